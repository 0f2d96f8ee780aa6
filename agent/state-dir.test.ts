import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.ts';
import { checkStateDir, removeStaleTempFiles } from './state-dir.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-statedir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkStateDir', () => {
  it.each([
    ['/proc/vigil-state', 'procfs'],
    ['/proc/self/nope/deeper', 'procfs'],
    ['/sys/vigil', 'sysfs'],
  ])('refuses %s (on %s) at the key path stateDir, with or without creating', async (d, fs) => {
    for (const create of [true, false]) {
      const r = await checkStateDir(d, { create });
      expect(r.error).toMatchObject({ code: ErrorCode.CONFIG_INVALID, where: 'stateDir' });
      expect(r.error!.message).toContain(fs);
    }
  });

  it('refuses a file', async () => {
    const f = path.join(dir, 'a-file');
    await writeFile(f, 'x');
    expect((await checkStateDir(f, { create: true })).error?.message).toContain('not a directory');
  });

  it('creates a missing directory for run, leaving nothing but the directory', async () => {
    const d = path.join(dir, 'new', 'state');
    expect(await checkStateDir(d, { create: true })).toEqual({});
    expect(await readdir(d)).toEqual([]);
  });

  it('only warns about a missing directory for check-config, and changes nothing', async () => {
    const d = path.join(dir, 'absent');
    const r = await checkStateDir(d, { create: false });
    expect(r.error).toBeUndefined();
    expect(r.warning).toContain('does not exist');
    await expect(readdir(d)).rejects.toThrow();
  });
});

describe('removeStaleTempFiles', () => {
  it('removes the temporary files of earlier runs, of every naming, and nothing else', async () => {
    const d = path.join(dir, 'stale');
    await mkdir(path.join(d, 'alerts'), { recursive: true });
    await mkdir(path.join(d, 'detector'), { recursive: true });
    const keep = ['alerts/state.json', 'alerts/history.bin', 'detector/state.json', 'detector/notes.tmp.txt'];
    const stale = ['alerts/.state.json.4242.tmp', 'detector/state.json.77.tmp', 'alerts/history.bin.tmp-91'];
    for (const f of [...keep, ...stale]) await writeFile(path.join(d, f), '');
    const removed = await removeStaleTempFiles(d);
    expect(removed.map((p) => path.relative(d, p)).sort()).toEqual([...stale].sort());
    expect((await readdir(path.join(d, 'alerts'))).sort()).toEqual(['history.bin', 'state.json']);
    expect((await readdir(path.join(d, 'detector'))).sort()).toEqual(['notes.tmp.txt', 'state.json']);
  });
});
