// The LSTM detector as a registered component: its options are the `detector:` config section, its
// model is the ONNX LSTM (shipped in models/, retrained on the node), its scoring the shared Scorer.
import { type DetectorConfig, detectorOptions } from '../config.ts';
import type { DetectorFactory } from '../detector.ts';
import { DETECTOR_METRICS } from '../scoring/metrics.ts';
import { RETRAIN_METRICS } from './retrain/metrics.ts';

export const lstmDetector: DetectorFactory<DetectorConfig> = {
  name: 'lstm',
  configKey: 'detector',
  options: detectorOptions,
  metrics: [...DETECTOR_METRICS, ...RETRAIN_METRICS],
  enabled: (o) => o.enabled,
  // The stage (scoring, retraining, the model's runtime) is imported only when the detector is enabled.
  create: async (o, ctx) => (await import('../detector-stage.ts')).createDetectorStage(o, ctx),
};
