// The history file: a small JSON header (labels and point counts per series) and the points as raw
// little-endian float64 / uint8 columns, ended by a CRC-32 of everything before it, so a torn or
// corrupted file is detected instead of restoring wrong points.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/write-file-atomic.ts';
import { crc32 } from 'node:zlib';
import type { Labels } from '../../core/samples.ts';
import { ErrorCode } from '../../core/errors.ts';

const MAGIC = 'VIGILHS1';

export class HistoryFileError extends Error {
  readonly code = ErrorCode.ALERT_STATE_IO;
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'HistoryFileError';
    this.file = file;
  }
}

export interface SavedSeries {
  readonly labels: Labels;
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly stale: Uint8Array;
}

interface StoredColumns {
  readonly labels: Labels;
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly staleMarkers: Uint8Array;
  readonly first: number;
  readonly length: number;
}

interface Header {
  readonly version: 1;
  readonly series: ReadonlyArray<{ readonly labels: Labels; readonly points: number }>;
}

function encodeHistory(series: readonly StoredColumns[]): Buffer {
  const header: Header = { version: 1, series: series.map((s) => ({ labels: s.labels, points: s.length })) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const points = series.reduce((n, s) => n + s.length, 0);
  const size = MAGIC.length + 4 + json.length + points * 17 + 4;
  const buf = Buffer.alloc(size);
  let o = buf.write(MAGIC, 0, 'latin1');
  o = buf.writeUInt32LE(json.length, o);
  o += json.copy(buf, o);
  for (const s of series) {
    for (let i = s.first; i < s.first + s.length; i++) o = buf.writeDoubleLE(s.times[i] as number, o);
    for (let i = s.first; i < s.first + s.length; i++) o = buf.writeDoubleLE(s.values[i] as number, o);
    for (let i = s.first; i < s.first + s.length; i++) o = buf.writeUInt8(s.staleMarkers[i] as number, o);
  }
  buf.writeUInt32LE(crc32(buf.subarray(0, o)), o);
  return buf;
}

function decodeHistory(buf: Buffer, file: string): SavedSeries[] {
  const bad = (reason: string): HistoryFileError => new HistoryFileError(file, `corrupt rule history (${reason}); it is ignored`);
  if (buf.length < MAGIC.length + 8 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('not a Vigil history file');
  const body = buf.subarray(0, buf.length - 4);
  if (crc32(body) !== buf.readUInt32LE(buf.length - 4)) throw bad('checksum mismatch');
  const jsonLen = buf.readUInt32LE(MAGIC.length);
  let o = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', o, o + jsonLen)) as Header;
  } catch {
    throw bad('unreadable header');
  }
  o += jsonLen;
  if (header.version !== 1 || !Array.isArray(header.series)) throw bad(`unknown version ${String(header.version)}`);
  const out: SavedSeries[] = [];
  for (const h of header.series) {
    const n = h.points;
    if (!Number.isInteger(n) || n < 0 || o + n * 17 > body.length) throw bad('truncated points');
    const times = new Float64Array(n);
    const values = new Float64Array(n);
    const stale = new Uint8Array(n);
    for (let i = 0; i < n; i++, o += 8) times[i] = buf.readDoubleLE(o);
    for (let i = 0; i < n; i++, o += 8) values[i] = buf.readDoubleLE(o);
    for (let i = 0; i < n; i++, o += 1) stale[i] = buf.readUInt8(o);
    for (let i = 1; i < n; i++) if ((times[i] as number) <= (times[i - 1] as number)) throw bad('points out of order');
    out.push({ labels: h.labels, times, values, stale });
  }
  if (o !== body.length) throw bad('trailing bytes');
  return out;
}

export async function writeHistoryFile(file: string, series: readonly StoredColumns[]): Promise<void> {
  const data = encodeHistory(series);
  try {
    await writeFileAtomic(file, data, { stateFile: 'rule_history' });
  } catch (err) {
    throw new HistoryFileError(file, `cannot write rule history: ${(err as Error).message}`);
  }
}

/** undefined when the file does not exist. */
export async function readHistoryFile(file: string): Promise<SavedSeries[] | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HistoryFileError(file, `cannot read rule history: ${(err as Error).message}`);
  }
  return decodeHistory(buf, file);
}
