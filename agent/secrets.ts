// Secrets that the config names by environment variable (`passwordEnv: PGPASSWORD_REPLICA`) are
// read here, in the agent, and handed to components as values: components never read the environment.
import { rememberSecret } from '../core/redact.ts';

type Plain = Record<string, unknown>;

/**
 * A deep copy of `value` in which every object with a `passwordEnv` key also has `password` set to
 * that variable's value (when it is set; the config check reports unset ones before start).
 */
export function withEnvPasswords(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (Array.isArray(value)) return value.map((v) => withEnvPasswords(v, env));
  if (typeof value !== 'object' || value === null) return value;
  const out: Plain = {};
  for (const [k, v] of Object.entries(value as Plain)) out[k] = withEnvPasswords(v, env);
  const name = out.passwordEnv;
  if (typeof name === 'string' && env[name] !== undefined) {
    out.password = env[name];
    rememberSecret(env[name]);
  }
  return out;
}

/**
 * Remembers the secrets a config holds as values (header values, passwords inside URLs) so that no
 * log line carries them (core/redact.ts); those read from files are remembered where they are read.
 */
export function rememberConfigSecrets(value: unknown): void {
  if (typeof value === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      try {
        const u = new URL(value);
        rememberSecret(decodeURIComponent(u.password));
      } catch {
        // Not a URL after all.
      }
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value as Plain)) {
    if (k === 'headers' && typeof v === 'object' && v !== null) for (const h of Object.values(v as Plain)) if (typeof h === 'string') rememberSecret(h);
    if ((k === 'password' || k === 'token') && typeof v === 'string') rememberSecret(v);
    rememberConfigSecrets(v);
  }
}
