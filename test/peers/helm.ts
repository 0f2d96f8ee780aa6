// helm (v3), built from the Go module proxy by test/peers/helm/build.sh and cached under
// $HOME/.cache/vigil-peers/ like the other peers that are not Debian packages; $VIGIL_TEST_HELM wins.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BUILD_SCRIPT = fileURLToPath(new URL('./helm/build.sh', import.meta.url));

export async function helmBinary(): Promise<string> {
  if (process.env.VIGIL_TEST_HELM) return process.env.VIGIL_TEST_HELM;
  const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT], { maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60_000 });
  return stdout.trim().split('\n').pop()!;
}

/** Runs helm to completion: exit code and stdout/stderr (never rejects on a non-zero exit). */
export async function helm(binary: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        timeout: 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, HELM_CACHE_HOME: '/tmp/vigil-helm-cache', HELM_CONFIG_HOME: '/tmp/vigil-helm-config', HELM_DATA_HOME: '/tmp/vigil-helm-data' },
      },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') {
          reject(new Error(`${binary}: ${err.message}`));
          return;
        }
        resolve({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr });
      },
    );
  });
}
