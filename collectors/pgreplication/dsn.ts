// PostgreSQL connection strings, both libpq forms: the URI (postgresql://user:pw@host:port/db?sslmode=…)
// and keyword/value (host=… port=… dbname=…). Parsed here rather than by the driver so that every
// target, DSN or not, goes through one path: the same sslmode meaning, and no fallback to PG*
// environment variables or ~/.pgpass inside the driver.

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

interface DsnParts {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  sslmode?: SslMode;
  sslrootcert?: string;
}

export type DsnResult = { ok: true; parts: DsnParts } | { ok: false; reason: string };

const KEYS: Readonly<Record<string, keyof DsnParts>> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  dbname: 'database',
  user: 'user',
  password: 'password',
  sslmode: 'sslmode',
  sslrootcert: 'sslrootcert',
};
/** Accepted and ignored: they do not change how Vigil connects. */
const IGNORED = new Set(['application_name', 'connect_timeout', 'options', 'fallback_application_name', 'target_session_attrs']);

function assign(parts: DsnParts, key: string, value: string): string | undefined {
  const field = KEYS[key];
  if (field === undefined) return IGNORED.has(key) ? undefined : `unsupported parameter "${key}"`;
  if (field === 'port') {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return 'port must be a number from 1 to 65535';
    parts.port = port;
  } else if (field === 'sslmode') {
    if (!(SSL_MODES as readonly string[]).includes(value)) return `sslmode must be one of ${SSL_MODES.join(', ')}`;
    parts.sslmode = value as SslMode;
  } else {
    parts[field] = value;
  }
  return undefined;
}

function parseUri(text: string): DsnResult {
  let url: URL;
  try {
    // WHATWG URL does not know the scheme; parse it as http to get the authority split right.
    url = new URL(text.replace(/^postgres(ql)?:/, 'http:'));
  } catch {
    // The message must not echo the text: it holds the password.
    return { ok: false, reason: 'not a valid postgresql:// URI' };
  }
  const parts: DsnParts = {};
  try {
    if (url.hostname !== '') parts.host = decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, '$1'));
    if (url.username !== '') parts.user = decodeURIComponent(url.username);
    if (url.password !== '') parts.password = decodeURIComponent(url.password);
    const db = url.pathname.replace(/^\//, '');
    if (db !== '') parts.database = decodeURIComponent(db);
  } catch {
    return { ok: false, reason: 'bad percent-encoding in the URI' };
  }
  if (url.port !== '') {
    const err = assign(parts, 'port', url.port);
    if (err !== undefined) return { ok: false, reason: err };
  }
  for (const [k, v] of url.searchParams) {
    const err = assign(parts, k, v);
    if (err !== undefined) return { ok: false, reason: err };
  }
  return { ok: true, parts };
}

function parseKeywords(text: string): DsnResult {
  const parts: DsnParts = {};
  const re = /\s*([a-z_]+)\s*=\s*('((?:[^'\\]|\\.)*)'|([^\s']*))/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    end = re.lastIndex;
    const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    const err = assign(parts, m[1]!, value);
    if (err !== undefined) return { ok: false, reason: err };
  }
  if (text.slice(end).trim() !== '') return { ok: false, reason: 'expected keyword=value pairs' };
  return { ok: true, parts };
}

/** Parses a DSN; a failure's reason never contains the DSN itself. */
export function parseDsn(text: string): DsnResult {
  const t = text.trim();
  if (t === '') return { ok: false, reason: 'empty' };
  if (/^postgres(ql)?:\/\//.test(t)) return parseUri(t);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return { ok: false, reason: 'the URI scheme must be postgresql:// or postgres://' };
  return parseKeywords(t);
}
