// The detect stage's contract: score the monitored series of one snapshot in one batched call.
import type { StageContext } from '../agent/component.ts';
import type { Snapshot } from '../agent/snapshot.ts';
import type { AnomalyScore } from '../agent/tick-output.ts';
import type { MetricSpec, Sample } from '../collectors/collector.ts';
import type { DetectorConfig } from './config.ts';

export interface DetectorStage {
  /** The families this stage adds to snapshots (vigil_anomaly_score, vigil_detector_up, …). */
  readonly metrics: readonly MetricSpec[];
  start(signal: AbortSignal): Promise<void>;
  /** Never throws: a broken model yields vigil_detector_up 0 and no scores. */
  score(snapshot: Snapshot): Promise<{ samples: Sample[]; anomalies: AnomalyScore[] }>;
  /** Persists state (crash-safe) and releases the model. */
  stop(): Promise<void>;
}

export function createDetectorStage(_config: DetectorConfig, _ctx: StageContext): DetectorStage {
  // Placeholder until the LSTM detector lands: scores nothing.
  return { metrics: [], start: async () => {}, score: async () => ({ samples: [], anomalies: [] }), stop: async () => {} };
}
