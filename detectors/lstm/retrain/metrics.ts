import type { MetricSpec } from '../../../core/samples.ts';

export const RETRAIN_OUTCOMES = ['swapped', 'rejected', 'failed'] as const;
export type RetrainOutcomeKind = (typeof RETRAIN_OUTCOMES)[number];

export const RETRAIN_METRICS: readonly MetricSpec[] = [
  {
    name: 'vigil_detector_retrain_runs_total',
    help: 'On-node retraining runs by outcome: swapped (candidate not worse, now in use), rejected (worse on held-back data), failed.',
    kind: 'counter',
    labels: ['outcome'],
  },
  {
    name: 'vigil_detector_retrain_last_success_timestamp_seconds',
    help: 'When a retraining run last completed (swapped or rejected), seconds since the epoch; 0 if never since start.',
    kind: 'gauge',
    labels: [],
  },
];
