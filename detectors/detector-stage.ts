// The detect stage: every tick, derive the monitored series from the snapshot, score them all in one
// batched model run through the shared Scorer, and add the scores to the snapshot. A model that
// cannot be loaded leaves the stage down (vigil_detector_up 0, one error log) and the agent running.
import type { Histogram } from '@opentelemetry/api';
import type { StageContext } from '../core/component.ts';
import { ErrorCode } from '../core/errors.ts';
import type { Snapshot } from '../core/snapshot.ts';
import type { AnomalyScore } from '../core/tick-output.ts';
import { type MetricSpec, type Sample, counter, gauge } from '../core/samples.ts';
import type { DetectorConfig } from './config.ts';
import type { RetrainerOptions } from './lstm/retrain/retrainer.ts';
import { RETRAIN_METRICS } from './lstm/retrain/metrics.ts';
import type { Predictor } from './predictor.ts';
import { AnomalyRate } from './scoring/anomaly-rate.ts';
import { DETECTOR_METRICS, DM, INFERENCE_HISTOGRAM } from './scoring/metrics.ts';
import { Scorer } from './scoring/scorer.ts';
import { stageOptionsOf } from './config.ts';
import type { SeriesState } from './scoring/series-state.ts';
import { loadState, saveState, stateFilePath, type PersistedSeries } from './scoring/state-file.ts';
import { type MonitoredPoint, MonitoredSeries } from './series/monitored-series.ts';
import { defaultModelPath } from './scoring/model-path.ts';
import { RawHistory } from './scoring/raw-history.ts';
import * as RetrainerModule from './lstm/retrain/retrainer.ts';
import { logFailure } from '../core/log-failure.ts';
import { durationMs } from '../core/duration.ts';

export interface DetectorStage {
  /** The families this stage adds to snapshots (vigil_anomaly_score, vigil_detector_up, …). */
  readonly metrics: readonly MetricSpec[];
  start(signal: AbortSignal): Promise<void>;
  /** Never throws: a broken model yields vigil_detector_up 0 and no scores. */
  score(snapshot: Snapshot): Promise<{ samples: Sample[]; anomalies: AnomalyScore[] }>;
  /** Persists state (crash-safe) and releases the model. */
  stop(): Promise<void>;
}

/** What tests replace: the model loader, and the retrainer (off when `null`). */
export interface DetectorStageDeps {
  readonly loadPredictor?: (path: string) => Promise<Predictor>;
  readonly createRetrainer?: ((o: RetrainerOptions) => RetrainerLike) | null;
}

/** The part of detectors/lstm/retrain's Retrainer the stage drives. */
export interface RetrainerLike {
  start(): void;
  stop(): Promise<void>;
  samples(): Sample[];
}

/** How often the state is written besides at stop. */
const STATE_SAVE_INTERVAL_MS = 5 * 60_000;
/** Raw values kept per series for retraining (and persisted with the state). */
const HISTORY_POINTS = 2048;

/** One tracked series; label objects are built once, not per tick. */
interface Tracked {
  readonly key: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** { metric, ...labels }: the labels of vigil_anomaly_score and vigil_anomaly. */
  readonly scoreLabels: Readonly<Record<string, string>>;
  readonly state: SeriesState;
  readonly history: RawHistory;
  lastSeen: number;
}

export function createDetectorStage(config: DetectorConfig, ctx: StageContext, deps: DetectorStageDeps = {}): DetectorStage {
  if (!config.enabled) return { metrics: [], start: async () => {}, score: async () => ({ samples: [], anomalies: [] }), stop: async () => {} };
  return new LstmDetectorStage(config, ctx, deps);
}

class LstmDetectorStage implements DetectorStage {
  readonly metrics: readonly MetricSpec[];
  private readonly config: DetectorConfig;
  private readonly ctx: StageContext;
  private readonly load: (path: string) => Promise<Predictor>;
  private readonly monitored: MonitoredSeries;
  private readonly tracked = new Map<string, Tracked>();
  private readonly rate = new AnomalyRate();
  private readonly histogram: Histogram;
  private readonly stateFile: string;
  private scorer: Scorer | undefined;
  private readonly createRetrainer: ((o: RetrainerOptions) => RetrainerLike) | null;
  private retrainer: RetrainerLike | undefined;
  /** A retrained model waiting to be swapped in before the next tick (never during one). */
  private pendingSwap: Predictor | undefined;
  private modelInfoLabels: Readonly<Record<string, string>> | undefined;
  /** Snapshot time of the last save (undefined until the first tick). */
  private lastSave: number | undefined;
  // Reused every tick.
  private batch: Tracked[] = [];
  private states: SeriesState[] = [];
  private values = new Float64Array(0);
  private times = new Float64Array(0);

  constructor(config: DetectorConfig, ctx: StageContext, deps: DetectorStageDeps) {
    this.config = config;
    this.ctx = ctx;
    // onnxruntime-node is imported only when the detector starts: an agent with it disabled does not pay for the runtime.
    this.load = deps.loadPredictor ?? (async (p) => (await import('./lstm/onnx-predictor.ts')).loadOnnxPredictor(p));
    this.createRetrainer =
      deps.createRetrainer === null || !config.retrain.enabled ? null : (deps.createRetrainer ?? ((o) => new RetrainerModule.Retrainer(o)));
    this.metrics = this.createRetrainer === null ? DETECTOR_METRICS : [...DETECTOR_METRICS, ...RETRAIN_METRICS];
    this.monitored = new MonitoredSeries(config.series);
    this.stateFile = stateFilePath(ctx.stateDir);
    this.histogram = ctx.meter.createHistogram(INFERENCE_HISTOGRAM.name, {
      description: INFERENCE_HISTOGRAM.help,
      unit: 's',
      advice: { explicitBucketBoundaries: [...INFERENCE_HISTOGRAM.buckets] },
    });
  }

  async start(_signal: AbortSignal): Promise<void> {
    const configured = this.config.model === '' ? defaultModelPath() : this.config.model;
    // A model an earlier retraining swapped in wins over the configured one (it was fine-tuned from it).
    const retrained = this.createRetrainer === null ? undefined : await RetrainerModule.retrainedModelPath(this.ctx.stateDir);
    let path = configured;
    let predictor: Predictor;
    try {
      if (retrained !== undefined) {
        try {
          predictor = await this.load(retrained);
          path = retrained;
        } catch (e) {
          logFailure(this.ctx.logger, 'warn', ErrorCode.MODEL_INVALID, e, 'retrained model could not be loaded; using the configured one', {
            where: retrained,
          });
          predictor = await this.load(configured);
        }
      } else {
        predictor = await this.load(configured);
      }
    } catch (e) {
      const err = e as Error & { code?: string; where?: string };
      const code = (Object.values(ErrorCode) as string[]).includes(err.code ?? '') ? (err.code as ErrorCode) : ErrorCode.MODEL_INVALID;
      logFailure(
        this.ctx.logger,
        'error',
        code,
        err,
        'detector model could not be loaded; anomaly detection is off (vigil_detector_up 0), everything else keeps running',
        {
          where: err.where ?? path,
        },
      );
      return;
    }
    this.scorer = new Scorer(predictor, this.config.warmup, stageOptionsOf(this.config));
    this.modelInfoLabels = Object.freeze({ model: predictor.info.name, version: predictor.info.version, sha256: predictor.info.sha256 });
    this.ctx.logger.info({ model: path, ...this.modelInfoLabels, window: predictor.window }, 'detector model loaded');
    await this.restore(predictor.window);
    this.startRetrainer(path);
  }

  private startRetrainer(modelPath: string): void {
    if (this.createRetrainer === null) return;
    try {
      this.retrainer = this.createRetrainer({
        nodeName: this.ctx.nodeName,
        schedule: this.config.retrain.schedule,
        // The stage's own recent raw values, bounded per series (HISTORY_POINTS).
        history: () => [...this.tracked.values()].map((t) => t.history.values()),
        modelPath,
        stateDir: this.ctx.stateDir,
        logger: this.ctx.logger.child({ component: 'retrain' }),
        onSwap: (newPath) => this.prepareSwap(newPath),
        now: this.ctx.now,
      });
      this.retrainer.start();
    } catch (e) {
      logFailure(this.ctx.logger, 'error', ErrorCode.CONFIG_INVALID, e, 'retraining is off', { where: 'detector.retrain.schedule' });
    }
  }

  /** Loads a retrained model; it replaces the current one at the start of the next tick. */
  private async prepareSwap(newPath: string): Promise<void> {
    const p = await this.load(newPath);
    if (this.scorer !== undefined && p.window !== this.scorer.window) {
      await p.close();
      throw new Error(`retrained model window ${p.window} differs from ${this.scorer.window}`);
    }
    const previous = this.pendingSwap;
    this.pendingSwap = p;
    await previous?.close();
  }

  private applySwap(scorer: Scorer): void {
    const next = this.pendingSwap;
    if (next === undefined) return;
    this.pendingSwap = undefined;
    const old = scorer.model;
    scorer.setPredictor(next);
    this.modelInfoLabels = Object.freeze({ model: next.info.name, version: next.info.version, sha256: next.info.sha256 });
    this.ctx.logger.info({ ...this.modelInfoLabels }, 'detector now uses the retrained model');
    void old.close().catch(() => undefined);
  }

  private async restore(window: number): Promise<void> {
    const loaded = await loadState(this.stateFile, window, stageOptionsOf(this.config));
    if (!loaded.ok) {
      if (!loaded.missing) {
        logFailure(this.ctx.logger, 'warn', ErrorCode.DETECTOR_STATE_INVALID, loaded.reason, 'detector state ignored; series start a new warm-up', {
          where: this.stateFile,
        });
      }
      return;
    }
    if (loaded.migrated !== false) {
      logFailure(
        this.ctx.logger,
        'warn',
        ErrorCode.DETECTOR_STATE_INVALID,
        `saved by an earlier scorer version (${loaded.migrated})`,
        loaded.migrated === 'vigil-detector-state/1'
          ? 'detector state migrated: normaliser, window and calibration kept; the stages after the model (likelihood, range, seasonal profile, events) start fresh'
          : loaded.migrated === 'vigil-detector-state/2'
            ? 'detector state migrated: normaliser, window, calibration and the stages after the model kept; the level, robust deviation and flatline checks start fresh'
            : 'detector state migrated: normaliser, window, calibration and the stages after the model kept; the robust deviation and flatline checks start fresh',
        { where: this.stateFile },
      );
    }
    for (const p of loaded.series.slice(0, this.capacity)) {
      this.tracked.set(p.key, this.trackedOf(p.key, p.metric, p.labels, p.state, RawHistory.from(p.history, HISTORY_POINTS), p.lastSeen));
    }
    this.ctx.logger.info({ series: this.tracked.size }, 'detector state restored');
  }

  /** Series remembered at most (tracked but not necessarily present every tick): twice the per-tick cap. */
  private get capacity(): number {
    return 2 * this.config.series.maxSeries;
  }

  private trackedOf(key: string, metric: string, labels: Readonly<Record<string, string>>, state: SeriesState, history: RawHistory, lastSeen: number): Tracked {
    return { key, metric, labels, scoreLabels: Object.freeze({ metric, ...labels }), state, history, lastSeen };
  }

  async score(snapshot: Snapshot): Promise<{ samples: Sample[]; anomalies: AnomalyScore[] }> {
    const scorer = this.scorer;
    if (scorer === undefined) return { samples: [gauge(DM.up, {}, 0)], anomalies: [] };
    this.applySwap(scorer);
    try {
      return await this.scoreWith(scorer, snapshot);
    } catch (e) {
      // A model that fails at run time (not at load): no scores this tick, and say so.
      logFailure(this.ctx.logger, 'error', ErrorCode.MODEL_INVALID, e, 'detector failed in this tick');
      return { samples: [gauge(DM.up, {}, 0)], anomalies: [] };
    }
  }

  private async scoreWith(scorer: Scorer, snapshot: Snapshot): Promise<{ samples: Sample[]; anomalies: AnomalyScore[] }> {
    const now = snapshot.timestamp;
    const points = this.monitored.derive(snapshot);
    const dropped = this.select(points, scorer, now);
    const n = this.batch.length;
    const t0 = performance.now();
    if (this.times.length < n) this.times = new Float64Array(this.values.length);
    this.times.fill(now / 1000, 0, n);
    const { scores, warm, anomaly, started } = await scorer.step(this.states, this.values, n, this.times);
    this.histogram.record((performance.now() - t0) / 1000);

    const samples: Sample[] = [];
    const anomalies: AnomalyScore[] = [];
    let flagged = 0;
    let scored = 0;
    for (let i = 0; i < n; i++) {
      const t = this.batch[i]!;
      const value = this.values[i]!;
      t.history.push(value);
      if (warm[i] !== 1 || Number.isNaN(scores[i]!)) continue;
      const score = scores[i]!;
      // In an event (from the crossing while the score holds); starts are counted, persisted with the state.
      const anomalous = anomaly[i] === 1;
      if (started[i] === 1) this.ctx.logger.debug({ metric: t.metric, labels: t.labels, score }, 'anomaly event started');
      scored++;
      if (anomalous) flagged++;
      samples.push(
        gauge(DM.score, t.scoreLabels, score),
        gauge(DM.anomaly, t.scoreLabels, anomalous ? 1 : 0),
        counter(DM.events, t.scoreLabels, t.state.stages.events),
      );
      anomalies.push({ metric: t.metric, labels: t.labels, value, score, anomalous });
    }
    samples.push(
      gauge(DM.hostRate, {}, this.rate.record(now, flagged, scored)),
      gauge(DM.up, {}, 1),
      gauge(DM.modelInfo, this.modelInfoLabels!, 1),
      gauge(DM.series, { state: 'scoring' }, scored),
      gauge(DM.series, { state: 'warming_up' }, n - scored),
      gauge(DM.dropped, {}, dropped),
    );
    if (this.retrainer !== undefined) for (const x of this.retrainer.samples()) samples.push(x);
    if (this.lastSave === undefined) this.lastSave = now;
    else if (now - this.lastSave >= STATE_SAVE_INTERVAL_MS) {
      this.lastSave = now;
      // Not awaited: a slow disk must not hold the tick; failures are logged.
      void this.save();
    }
    return { samples, anomalies };
  }

  /**
   * Fills the batch with this tick's series, at most maxSeries, warm series first, then those still
   * warming up, then new ones in snapshot order: a burst of new series (pods coming and going) cannot
   * take the slot of a series that has finished its warm-up. Returns how many were left out.
   */
  private select(points: readonly MonitoredPoint[], scorer: Scorer, now: number): number {
    const max = this.config.series.maxSeries;
    const batch = this.batch;
    batch.length = 0;
    this.states.length = 0;
    if (this.values.length < points.length) this.values = new Float64Array(Math.max(points.length, 2 * this.values.length));
    let dropped = 0;
    // Pass 0: tracked and warm; 1: tracked, warming up; 2: new.
    for (let pass = 0; pass < 3; pass++) {
      for (const p of points) {
        let t = this.tracked.get(p.key);
        const passOf = t === undefined ? 2 : scorer.isWarm(t.state) ? 0 : 1;
        if (passOf !== pass) continue;
        if (batch.length >= max) {
          dropped++;
          continue;
        }
        if (t === undefined) {
          t = this.trackedOf(p.key, p.metric, p.labels, scorer.newState(), new RawHistory(HISTORY_POINTS), now);
          this.tracked.set(p.key, t);
        }
        t.lastSeen = now;
        this.values[batch.length] = p.value;
        batch.push(t);
        this.states.push(t.state);
      }
    }
    this.forgetUnseen(now);
    if (this.tracked.size > this.capacity) this.dropStalest();
    return dropped;
  }

  /** Series not seen for detector.series.forgetAfter give their state back (a deleted interface, a removed disk). */
  private forgetUnseen(now: number): void {
    const limit = now - durationMs(this.config.series.forgetAfter);
    for (const [key, t] of this.tracked) if (t.lastSeen < limit) this.tracked.delete(key);
  }

  private dropStalest(): void {
    const byAge = [...this.tracked.values()].sort((a, b) => a.lastSeen - b.lastSeen);
    for (const t of byAge.slice(0, this.tracked.size - this.capacity)) this.tracked.delete(t.key);
  }

  /** The tracked series as persisted. */
  private persisted(): PersistedSeries[] {
    return [...this.tracked.values()].map((t) => ({
      key: t.key,
      metric: t.metric,
      labels: t.labels,
      lastSeen: t.lastSeen,
      state: t.state,
      history: t.history.values(),
    }));
  }

  private saving: Promise<void> | undefined;

  private async save(): Promise<void> {
    const scorer = this.scorer;
    if (scorer === undefined) return;
    // One write at a time: a stop during a periodic save waits for it, then writes the latest.
    await this.saving;
    const write = saveState(this.stateFile, scorer.window, this.persisted(), this.ctx.now()).catch((e: unknown) => {
      logFailure(this.ctx.logger, 'warn', ErrorCode.DETECTOR_STATE_INVALID, e, 'detector state could not be saved', { where: this.stateFile });
    });
    this.saving = write;
    await write;
  }

  async stop(): Promise<void> {
    await this.retrainer?.stop().catch(() => undefined);
    const scorer = this.scorer;
    if (scorer === undefined) return;
    await this.save();
    await this.pendingSwap?.close().catch(() => undefined);
    this.scorer = undefined;
    await scorer.model.close().catch(() => undefined);
  }
}
