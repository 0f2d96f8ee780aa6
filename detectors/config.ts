// The `detector:` config section (keys are a fixed contract: enabled, model, threshold,
// series.include/exclude, retrain.schedule). The detector's owner extends it; every key has a default.
import { z } from 'zod';

/** A series selector: a metric name (exact) and optional label matchers (exact values). */
const seriesSelector = z.strictObject({
  metric: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
});

export const detectorOptions = z.strictObject({
  enabled: z.boolean().default(true),
  /** Path of the ONNX model; empty means the model shipped in detectors/lstm/models/. */
  model: z.string().default(''),
  /** Calibrated score at or above which a series is flagged (same meaning on every series). */
  threshold: z.number().min(0).max(1).default(0.99),
  series: z
    .strictObject({
      include: z.array(seriesSelector).default([]),
      exclude: z.array(seriesSelector).default([]),
      maxSeries: z.number().int().min(1).default(256),
    })
    .prefault({}),
  retrain: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A cron expression; empty means daily at a minute derived from the node name. */
      schedule: z.string().default(''),
    })
    .prefault({}),
});

export type DetectorConfig = z.infer<typeof detectorOptions>;
