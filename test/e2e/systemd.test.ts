// deploy/systemd/vigil.service checked by systemd itself: `systemd-analyze verify` (syntax, known
// settings, the executable) and `systemd-analyze security --offline=true` (the sandbox's exposure), and
// its ExecStart's agent arguments accepted by the real CLI (`check-config` with the same flags).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../peers/agent.ts';
import { RUNTIME_ENV, RUNTIME_FLAGS } from '../../agent/runtime-flags.ts';

const UNIT = path.join(REPO_ROOT, 'deploy/systemd/vigil.service');
const SYSTEMD_ANALYZE = process.env.VIGIL_TEST_SYSTEMD_ANALYZE ?? 'systemd-analyze';
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-systemd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function analyze(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(SYSTEMD_ANALYZE, args, { timeout: 60_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') {
        reject(new Error(`${SYSTEMD_ANALYZE}: ${err.message} (installed by test/peers/install.sh)`));
        return;
      }
      resolve({ code: err ? Number((err as { code: number }).code) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Every value of `key=` in the unit (settings may repeat). */
const settings = (text: string, key: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe('deploy/systemd/vigil.service', () => {
  const unit = readFileSync(UNIT, 'utf8');

  it('passes `systemd-analyze verify`', async () => {
    const r = await analyze(['verify', UNIT]);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('`systemd-analyze verify` is not vacuous: a misspelt setting or value is reported (and would be ignored by systemd)', async () => {
    const broken = path.join(dir, 'vigil.service');
    writeFileSync(broken, unit.replace('ProtectSystem=strict', 'ProtectSystm=strict').replace('PrivateTmp=yes', 'PrivateTmp=sure'));
    const r = await analyze(['verify', broken]);
    expect(r.output).toMatch(/Unknown key 'ProtectSystm'/);
    expect(r.output).toMatch(/PrivateTmp|sure/);
  });

  it('is sandboxed: strict read-only system, dynamic user, state dir, no capabilities; exposure "OK" (≤ 2.0)', async () => {
    for (const [key, value] of [
      ['ProtectSystem', 'strict'],
      ['DynamicUser', 'yes'],
      ['StateDirectory', 'vigil'],
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['PrivateTmp', 'yes'],
      ['ExecReload', '/bin/kill -HUP $MAINPID'],
      ['RestartPreventExitStatus', '2'],
    ] as const) {
      expect(settings(unit, key), key).toContain(value);
    }
    const r = await analyze(['security', '--offline=true', UNIT]);
    const exposure = /Overall exposure level for vigil\.service: ([\d.]+)/.exec(r.output);
    expect(exposure, r.output).not.toBeNull();
    expect(Number(exposure![1])).toBeLessThanOrEqual(2);
  });

  it('ExecStart runs the packaged agent with flags the CLI accepts (check-config with the same arguments)', async () => {
    const exec = settings(unit, 'ExecStart')[0]!.split(' ');
    expect(exec[0]).toBe('/usr/bin/node');
    const main = exec.findIndex((a) => a.endsWith('/dist/agent/main.js'));
    expect(exec.slice(1, main)).toEqual([...RUNTIME_FLAGS]);
    for (const [k, v] of Object.entries(RUNTIME_ENV)) expect(settings(unit, 'Environment').join(' ')).toContain(`${k}=${v}`);
    expect(exec[main + 1]).toBe('run');
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, 'interval: 10s\n');
    const agentArgs = exec.slice(main + 2).map((a) => a.replace('/etc/vigil/config.yaml', config).replace('/var/lib/vigil', dir));
    const r = await runCli(['check-config', ...agentArgs]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stateDir: ${dir}`);
  });
});
