// Secrets out of text: connection strings carry passwords, and driver errors, logs and the effective
// config could echo them. Every message that may hold connection details goes through redact().
export const REDACTED = '[redacted]';

// postgresql://user:secret@host → postgresql://user:[redacted]@host (any scheme, not just postgres).
const URI_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s]*)@/gi;
// password=secret, password = 'se cret', password='it\'s' (libpq keyword/value form, and query params).
const KEYWORD_PASSWORD = /(\bpass(?:word)?\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+)/gi;

/**
 * The text with every password of a connection string and every known secret replaced by
 * "[redacted]". Known secrets are matched literally (and URI-encoded), shortest last.
 */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text.replace(URI_PASSWORD, `$1${REDACTED}@`).replace(KEYWORD_PASSWORD, `$1${REDACTED}`);
  const list = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const s of list) {
    out = out.split(s).join(REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(REDACTED);
  }
  return out;
}

/** An error's message, redacted; for logs and metrics. */
export const redactError = (err: unknown, secrets: Iterable<string> = []): string =>
  redact(err instanceof Error ? err.message : String(err), secrets);

type Plain = Record<string, unknown>;

/** A deep copy of a config with every `dsn` value redacted, for printing the effective config. */
export function redactConfig<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => redactConfig(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Plain = {};
  for (const [k, v] of Object.entries(value as Plain)) out[k] = k === 'dsn' && typeof v === 'string' ? redact(v) : redactConfig(v);
  return out as T;
}
