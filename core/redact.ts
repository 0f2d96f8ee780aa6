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
export const redactError = (err: unknown, secrets: Iterable<string> = []): string => redact(err instanceof Error ? err.message : String(err), secrets);

type Plain = Record<string, unknown>;

/** Keys whose values are secrets wherever they sit in a config (the value itself, not a file or variable name). */
const SECRET_KEYS = new Set(['password', 'secret', 'token', 'bearerToken', 'apiKey']);
/** Keys whose every value is secret: request headers carry tokens (`sinks.otlp.headers`). */
const SECRET_MAPS = new Set(['headers']);

/**
 * A deep copy of a config for printing (`vigil check-config`): passwords in every connection string
 * and URL redacted (DSNs, Alertmanager and OTLP URLs), every header value and every secret-named key
 * replaced. File paths and variable names (`passwordFile`, `passwordEnv`) stay: they are not secrets.
 */
export function redactConfig<T>(value: T, key = ''): T {
  if (typeof value === 'string') return (SECRET_KEYS.has(key) ? REDACTED : redact(value, knownSecrets())) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactConfig(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Plain = {};
  for (const [k, v] of Object.entries(value as Plain)) {
    if (SECRET_MAPS.has(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = Object.fromEntries(Object.keys(v).map((h) => [h, REDACTED]));
    else out[k] = redactConfig(v, k);
  }
  return out as T;
}

/** Secrets read at run time (from `*File`, `*Env`, headers): every log line is scrubbed of them. */
const known = new Set<string>();

/**
 * Remembers a secret so that no log line carries it, whatever message it ends up in (a driver error
 * that echoes a password, a URL in an exception). PEM key material is remembered line by line too, so
 * a fragment is caught as well. Values shorter than 4 characters are not remembered (they would
 * scrub ordinary words); such a password is a problem of its own.
 */
export function rememberSecret(value: string | Buffer | undefined): void {
  if (value === undefined) return;
  const text = (typeof value === 'string' ? value : value.toString('utf8')).trim();
  if (text.length >= 4) known.add(text);
  if (text.includes('-----BEGIN')) for (const line of text.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) known.add(line);
}

/** The secrets remembered so far. */
export function knownSecrets(): ReadonlySet<string> {
  return known;
}
