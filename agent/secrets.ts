// Secrets that the config names by environment variable (`passwordEnv: PGPASSWORD_REPLICA`) are
// read here, in the agent, and handed to components as values: components never read the environment.
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
  if (typeof name === 'string' && env[name] !== undefined) out.password = env[name];
  return out;
}
