// The detector contract: a detector turns each tick's snapshot into anomaly scores. Declared by a
// factory like every component (core/component.ts) and listed in detectors/registry.ts. The scoring
// path after a model (normalisation, calibration, warm-up, persistence) is model-agnostic and shared
// (detectors/scoring/); a detector brings its model and how it is loaded and retrained.
import type { ComponentFactory, StageContext } from '../core/component.ts';
import type { DetectorStage } from './detector-stage.ts';

export interface DetectorFactory<O extends object = object> extends ComponentFactory<O, DetectorStage, StageContext> {
  /** Where its options live in the config (the LSTM's: `detector`). */
  readonly configKey: string;
  enabled(options: O): boolean;
}

/** The enabled detectors as one stage (none: a stage that scores nothing), in registry order. */
export function combineDetectors(stages: readonly DetectorStage[]): DetectorStage {
  if (stages.length === 1) return stages[0]!;
  return {
    metrics: stages.flatMap((s) => s.metrics),
    start: async (signal) => {
      for (const s of stages) await s.start(signal);
    },
    score: async (snapshot) => {
      const results = await Promise.all(stages.map((s) => s.score(snapshot)));
      return { samples: results.flatMap((r) => r.samples), anomalies: results.flatMap((r) => r.anomalies) };
    },
    stop: async () => {
      for (const s of [...stages].reverse()) await s.stop().catch(() => undefined);
    },
  };
}
