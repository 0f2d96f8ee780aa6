// The retraining worker thread: lowers its own scheduling priority (Linux: setpriority on this
// thread's kernel id, which /proc/thread-self names), fine-tunes, posts the result, exits.
import { readlinkSync } from 'node:fs';
import { constants, getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { fineTune, type FineTuneRequest, type FineTuneResult } from './fine-tune.ts';

export type WorkerReply = { ok: true; result: FineTuneResult; niceness: number | undefined } | { ok: false; error: string; niceness: number | undefined };

function lowerPriority(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid)) return undefined;
    setPriority(tid, constants.priority.PRIORITY_LOW);
    return getPriority(tid);
  } catch {
    return undefined; // not Linux, or not permitted: run at normal priority
  }
}

const niceness = lowerPriority();
let reply: WorkerReply;
try {
  reply = { ok: true, result: await fineTune(workerData as FineTuneRequest), niceness };
} catch (e) {
  reply = { ok: false, error: (e as Error).message.split('\n')[0] ?? 'error', niceness };
}
parentPort?.postMessage(reply);
