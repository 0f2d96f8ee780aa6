// The Node runtime flags and environment the daemon needs, whatever starts it (the `vigil` bin,
// `npm start`, the container, a systemd unit): `vigil run` re-executes itself with them when they are
// missing. execve replaces the process image, so the PID and stdio stay the same and no second
// process is left behind.
//
// --disable-sigusr1: SIGUSR1 would otherwise open the inspector on 127.0.0.1:9229, and anything on the
//   node's loopback (a hostNetwork pod) could then run code in the agent.
// --max-semi-space-size=1 --optimize-for-size: a 1 MiB young generation; measured in BENCHMARKS.md.
// --no-maglev: V8's mid-tier optimising compiler off (TurboFan, the top tier, still optimises hot
//   code such as the detector's scoring): ~7 MB less RSS, no measurable cost per tick
//   (docs/footprint.md, where the flags that did not pay are listed too).
export const RUNTIME_FLAGS = ['--disable-sigusr1', '--max-semi-space-size=1', '--optimize-for-size', '--no-maglev'] as const;

// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates (libuv's pool of 16, onnxruntime's
// calls on it) an arena of its own, up to 8 per core, and keeps what each one held; two arenas
// measured ~2 MB less RSS. glibc reads it when the process starts, so it takes a re-exec too. A value
// the environment already has is kept.
export const RUNTIME_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** The flags missing from this process (empty when it was started with all of them). */
function missingRuntimeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return RUNTIME_FLAGS.filter((f) => !execArgv.includes(f));
}

/** The environment variables missing from this process (a variable that is set, to anything, counts). */
function missingRuntimeEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(Object.entries(RUNTIME_ENV).filter(([k]) => env[k] === undefined));
}

/** Re-executes this process with the runtime flags and environment when some are missing; returns only when it does not. */
export function ensureRuntimeFlags(): void {
  const missing = missingRuntimeFlags();
  const env = missingRuntimeEnv();
  if ((missing.length === 0 && Object.keys(env).length === 0) || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, ...env });
}
