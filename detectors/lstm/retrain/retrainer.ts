// On-node retraining: on a cron schedule, fine-tune the current model on this node's own recent
// history in a low-priority worker thread, compare candidate and current on the most recent 20%
// (held back from fine-tuning), and swap atomically only when the candidate is not worse. The
// previous good model is kept beside the new one; `current.json` names the model in use so a
// restart picks it up (see retrainedModelPath).
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { counter, gauge, NO_LABELS, type MetricSpec, type Sample } from '../../../core/samples.ts';
import { writeFileAtomic } from '../../../core/write-file-atomic.ts';
// Types only: fine-tune.ts brings the trainer, which runs in the worker, never in the agent's thread.
import type { FineTuneRequest, FineTuneSettings } from './fine-tune.ts';
import { FINE_TUNING } from '../hyperparameters.ts';
import { RETRAIN_METRICS, RETRAIN_OUTCOMES, type RetrainOutcomeKind } from './metrics.ts';
import { plainCron, resolveSchedule } from './schedule.ts';
import type { WorkerReply } from './worker.ts';

export interface RetrainerOptions {
  readonly nodeName: string;
  /** Cron expression; '' (default) derives a daily minute and hour from the node name. */
  readonly schedule?: string;
  /** Recent raw values per monitored series, oldest first. */
  readonly history: () => readonly ArrayLike<number>[] | Promise<readonly ArrayLike<number>[]>;
  /** The model in use now (the shipped one, a configured one, or a previous swap). */
  readonly modelPath: string;
  readonly stateDir: string;
  readonly logger: Logger;
  /** Called after a swap with the new model's path; the detector loads it for the next tick. */
  readonly onSwap: (newPath: string) => void | Promise<void>;
  readonly now?: () => number;
  readonly fineTune?: Partial<FineTuneSettings>;
  /** A run that takes longer is stopped and counted as failed. */
  readonly timeoutMs?: number;
}

export type RetrainOutcome =
  | { readonly outcome: 'swapped'; readonly path: string; readonly currentMse: number; readonly candidateMse: number; readonly niceness: number | undefined }
  | { readonly outcome: 'rejected'; readonly currentMse: number; readonly candidateMse: number; readonly niceness: number | undefined }
  | { readonly outcome: 'failed'; readonly reason: string }
  | { readonly outcome: 'skipped'; readonly reason: string };

const POINTER = 'current.json';

/** The retrained model a previous run swapped in, if its file is still there. */
export async function retrainedModelPath(stateDir: string): Promise<string | undefined> {
  const dir = join(stateDir, 'detector', 'models');
  try {
    const pointer = JSON.parse(await readFile(join(dir, POINTER), 'utf8')) as { current?: unknown };
    if (typeof pointer.current !== 'string') return undefined;
    const path = join(dir, basename(pointer.current));
    await readFile(path);
    return path;
  } catch {
    return undefined;
  }
}

// The worker is started by path. From the sources it is worker.ts beside this file; the build bundles
// it as its own entry, dist/agent/retrain-worker.js, beside every chunk (scripts/build.ts).
const workerUrl = import.meta.url.endsWith('.ts') ? new URL('./worker.ts', import.meta.url) : new URL('./retrain-worker.js', import.meta.url);

export class Retrainer {
  static readonly metrics: readonly MetricSpec[] = RETRAIN_METRICS;
  readonly schedule: string;
  readonly #o: RetrainerOptions;
  readonly #dir: string;
  readonly #runs: Record<RetrainOutcomeKind, number> = { swapped: 0, rejected: 0, failed: 0 };
  #lastSuccess = 0;
  #modelPath: string;
  #task: ScheduledTask | undefined;
  #minuteTimer: NodeJS.Timeout | undefined;
  #running: Promise<RetrainOutcome> | undefined;
  #worker: Worker | undefined;
  #runCount = 0;

  /** Throws on an invalid schedule (config validation should have caught it first). */
  constructor(o: RetrainerOptions) {
    const resolved = resolveSchedule(o.schedule ?? '', o.nodeName);
    if ('error' in resolved) throw new Error(resolved.error);
    this.schedule = resolved.schedule;
    this.#o = o;
    this.#modelPath = o.modelPath;
    this.#dir = join(o.stateDir, 'detector', 'models');
  }

  get modelPath(): string {
    return this.#modelPath;
  }

  start(): void {
    const matcher = plainCron(this.schedule);
    if (matcher !== undefined) this.#everyMinute(matcher);
    else this.#task = cron.schedule(this.schedule, () => void this.runOnce(), { name: 'vigil-retrain', noOverlap: true });
    this.#o.logger.info({ event: 'detector_retrain_scheduled', schedule: this.schedule }, 'retraining scheduled');
  }

  /**
   * A plain schedule (the default one) is checked at each minute's start in local time, as node-cron
   * would, but without node-cron's Intl formatting (schedule.ts). A run still going at the next match
   * is shared, not doubled (runOnce).
   */
  #everyMinute(matches: (local: Date) => boolean): void {
    const arm = () => {
      const now = Date.now();
      // The minute the timer is for, even when it fires a little early or late.
      const minute = now - (now % 60_000) + 60_000;
      this.#minuteTimer = setTimeout(() => {
        if (matches(new Date(minute))) void this.runOnce();
        arm();
      }, minute - now);
      this.#minuteTimer.unref();
    };
    arm();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#minuteTimer);
    this.#minuteTimer = undefined;
    await this.#task?.destroy();
    this.#task = undefined;
    await this.#worker?.terminate();
    await this.#running?.catch(() => undefined);
  }

  samples(): Sample[] {
    const out: Sample[] = RETRAIN_OUTCOMES.map((outcome) => counter('vigil_detector_retrain_runs_total', { outcome }, this.#runs[outcome]));
    out.push(gauge('vigil_detector_retrain_last_success_timestamp_seconds', NO_LABELS, this.#lastSuccess));
    return out;
  }

  /** One retraining run now (the schedule calls this; concurrent calls share the running one). */
  runOnce(): Promise<RetrainOutcome> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #run(): Promise<RetrainOutcome> {
    const log = this.#o.logger;
    const started = performance.now();
    let outcome: RetrainOutcome;
    try {
      outcome = await this.#attempt();
    } catch (e) {
      outcome = { outcome: 'failed', reason: (e as Error).message.split('\n')[0] ?? 'error' };
    }
    const seconds = (performance.now() - started) / 1000;
    if (outcome.outcome !== 'skipped') this.#runs[outcome.outcome]++;
    if (outcome.outcome === 'swapped' || outcome.outcome === 'rejected') this.#lastSuccess = Math.floor((this.#o.now ?? Date.now)() / 1000);
    const fields = { event: 'detector_retrain', seconds: Number(seconds.toFixed(3)), ...outcome };
    if (outcome.outcome === 'failed') log.error(fields, 'retraining failed; keeping the current model');
    else if (outcome.outcome === 'rejected') log.warn(fields, 'retrained model is worse on held-back data; keeping the current model');
    else if (outcome.outcome === 'skipped') log.info(fields, 'retraining skipped');
    else log.info(fields, 'retrained model swapped in');
    return outcome;
  }

  async #attempt(): Promise<RetrainOutcome> {
    const history = await this.#o.history();
    const modelBytes = await readFile(this.#modelPath);
    const request: FineTuneRequest = {
      modelPath: this.#modelPath,
      modelBytes,
      history: history.map((h) => Float64Array.from(h)),
      settings: { ...FINE_TUNING, ...this.#o.fineTune },
      seed: (this.#runCount++ * 2654435761 + this.#o.nodeName.length) >>> 0,
    };
    const reply = await this.#inWorker(request);
    if (!reply.ok) return { outcome: 'failed', reason: reply.error };
    const r = reply.result;
    if (r.kind === 'skipped') return { outcome: 'skipped', reason: r.reason };
    if (!Number.isFinite(r.candidateMse) || !(r.candidateMse <= r.currentMse)) {
      return { outcome: 'rejected', currentMse: r.currentMse, candidateMse: r.candidateMse, niceness: reply.niceness };
    }
    const path = await this.#install(r.candidate, r.version);
    await this.#o.onSwap(path);
    return { outcome: 'swapped', path, currentMse: r.currentMse, candidateMse: r.candidateMse, niceness: reply.niceness };
  }

  #inWorker(request: FineTuneRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerUrl, { workerData: request });
      this.#worker = worker;
      const timer = setTimeout(() => void worker.terminate(), this.#o.timeoutMs ?? 30 * 60_000);
      let reply: WorkerReply | undefined;
      worker.once('message', (m: WorkerReply) => (reply = m));
      worker.once('error', (e) => reject(e));
      worker.once('exit', (code) => {
        clearTimeout(timer);
        this.#worker = undefined;
        if (reply) resolve(reply);
        else reject(new Error(`retraining worker exited with code ${code} before it finished (stopped or timed out)`));
      });
    });
  }

  /** Writes the candidate crash-safely, points current.json at it, keeps the previous good model, prunes older ones. */
  async #install(bytes: Uint8Array, version: string): Promise<string> {
    await mkdir(this.#dir, { recursive: true });
    const file = `vigil-lstm-${version}.onnx`;
    const path = join(this.#dir, file);
    await writeFileAtomic(path, bytes, { mode: 0o644 });
    const previous = this.#modelPath;
    await writeFileAtomic(join(this.#dir, POINTER), `${JSON.stringify({ current: file, previous })}\n`, { mode: 0o644 });
    const keep = new Set([file, basename(previous)]);
    for (const name of await readdir(this.#dir)) {
      if (name.endsWith('.onnx') && !keep.has(name)) await rm(join(this.#dir, name), { force: true });
    }
    this.#modelPath = path;
    return path;
  }
}
