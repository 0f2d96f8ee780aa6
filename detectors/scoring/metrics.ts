// The detector stage's families, declared as data. vigil_anomaly_score and vigil_anomaly carry
// `metric` (the monitored series' name) and that series' own labels (device, mountpoint, target, …).
import type { MetricSpec } from '../../core/samples.ts';
import { MONITORED_LABELS } from '../series/monitored-series.ts';

export const DM = {
  score: 'vigil_anomaly_score',
  anomaly: 'vigil_anomaly',
  events: 'vigil_anomaly_events_total',
  hostRate: 'vigil_host_anomaly_rate',
  up: 'vigil_detector_up',
  modelInfo: 'vigil_model_info',
  series: 'vigil_detector_series',
  dropped: 'vigil_detector_series_dropped',
  inference: 'vigil_detector_inference_seconds',
} as const;

const g = (name: string, labels: readonly string[], help: string): MetricSpec => ({ name, help, kind: 'gauge', labels });

export const DETECTOR_METRICS: readonly MetricSpec[] = [
  g(
    DM.score,
    ['metric', ...MONITORED_LABELS],
    'Anomaly score of a monitored series in [0,1] (log-scaled likelihood: 0.5 means a 1e-5 tail probability); held below detector.threshold during a refractory period. Carries the series labels too. Absent during warm-up.',
  ),
  g(
    DM.anomaly,
    ['metric', ...MONITORED_LABELS],
    '1 while the series is in an anomaly event (from the tick its score crossed detector.threshold while the score holds), else 0. Carries the series labels too.',
  ),
  {
    name: DM.events,
    help: 'Anomaly events started by a monitored series (one per crossing of detector.threshold outside a refractory period). Carries the series labels too; persisted with the detector state.',
    kind: 'counter',
    labels: ['metric', ...MONITORED_LABELS],
  },
  g(DM.hostRate, [], 'Share of monitored series in anomaly events over the last 5 minutes (points in events / scored points).'),
  g(DM.up, [], '1 when the detector model is loaded and scoring, 0 when it could not be loaded (see the logs for the VIGIL_ERR_ code).'),
  g(DM.modelInfo, ['model', 'version', 'sha256'], 'The detector model in use (value 1).'),
  g(DM.series, ['state'], 'Monitored series by state: warming_up (window or calibration not yet full, no score) or scoring.'),
  g(DM.dropped, [], 'Monitored series left out in this tick because of detector.series.maxSeries (a gauge: the count in the latest tick).'),
];

/** Served from a live histogram (ctx.meter), listed for the docs. */
export const INFERENCE_HISTOGRAM = {
  name: DM.inference,
  help: 'Duration of the one batched model run per tick (all monitored series).',
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
} as const;
