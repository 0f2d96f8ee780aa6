// The Node runtime flags the daemon needs, whatever starts it (the `vigil` bin, `npm start`, the
// container, a systemd unit): `vigil run` re-executes itself with them when they are missing. execve
// replaces the process image, so the PID, stdio and environment stay the same and no second process
// is left behind.
//
// --disable-sigusr1: SIGUSR1 would otherwise open the inspector on 127.0.0.1:9229, and anything on the
//   node's loopback (a hostNetwork pod) could then run code in the agent.
// --max-semi-space-size=1 --optimize-for-size: a 1 MiB young generation; measured in BENCHMARKS.md.
const RUNTIME_FLAGS = ['--disable-sigusr1', '--max-semi-space-size=1', '--optimize-for-size'] as const;

/** The flags missing from this process (empty when it was started with all of them). */
function missingRuntimeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return RUNTIME_FLAGS.filter((f) => !execArgv.includes(f));
}

/** Re-executes this process with the runtime flags when some are missing; returns only when it does not. */
export function ensureRuntimeFlags(): void {
  const missing = missingRuntimeFlags();
  if (missing.length === 0 || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
