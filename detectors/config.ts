// The `detector:` config section (keys are a fixed contract: enabled, model, threshold,
// series.include/exclude, retrain.schedule). The detector's owner extends it; every key has a default.
import cron from 'node-cron';
import { z } from 'zod';
import { DEFAULT_STAGE_OPTIONS, SEASONAL_BINS, type StageOptions } from './scoring/stages.ts';
import { duration } from '../core/duration.ts';
import { DEFAULT_NETWORK_DEVICE_EXCLUDE } from './series/monitored-series.ts';

const isValidRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};

/** A series selector: a metric name (exact) and optional label matchers (exact values). */
const seriesSelector = z.strictObject({
  metric: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
});

export const detectorOptions = z.strictObject({
  enabled: z.boolean().default(true),
  /** Path of the ONNX model; empty means the model shipped in detectors/lstm/models/. */
  model: z.string().default(''),
  /** Score (log-scaled likelihood, 0.5 = a 1e-5 tail) at or above which a series starts an anomaly event. */
  threshold: z.number().min(0).max(1).default(DEFAULT_STAGE_OPTIONS.threshold),
  /** Calibrated errors a series needs (after its first full window) before it may be flagged. */
  warmup: z.number().int().min(0).default(100),
  /** Points (ticks) after an event's last active point during which that series starts no new event (none while it is active). */
  refractory: z.number().int().min(1).default(DEFAULT_STAGE_OPTIONS.refractory),
  /** Time-of-day context: a spike seen at the same time on earlier days counts less. */
  seasonal: z.boolean().default(false),
  /** Range check: a value beyond the series' range by more than this share of its width raises the score (0 = off). */
  rangeTolerance: z.number().min(0).default(DEFAULT_STAGE_OPTIONS.rangeTolerance),
  /** Flatline check: a series that normally changes at every tick repeating one value for improbably long raises an event. */
  flatline: z.boolean().default(true),
  series: z
    .strictObject({
      /** Extra series beyond the defaults: a gauge as it is, a counter as its per-second rate. */
      include: z.array(seriesSelector).default([]),
      /** Series left out, by their monitored name (e.g. node_network_receive_bytes_per_second) and labels. */
      exclude: z.array(seriesSelector).default([]),
      /** Series scored per tick; the rest are left out and counted in vigil_detector_series_dropped. */
      maxSeries: z.number().int().min(1).max(4096).default(256),
      /**
       * Network devices not monitored (regex on `device`): virtual and short-lived interfaces of
       * container networking come and go with pods and would never finish warm-up, and their traffic
       * also crosses the uplink, so the node's total network rates leave them out too.
       */
      networkDeviceExclude: z
        .string()
        .default(DEFAULT_NETWORK_DEVICE_EXCLUDE)
        .refine((s) => isValidRegex(s), { message: 'not a valid regular expression' }),
      /** A series not seen for this long gives its state back (a removed disk, a deleted interface). */
      forgetAfter: duration({ min: 1000 }).default('1h'),
    })
    .prefault({}),
  retrain: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A cron expression; empty means daily at a minute derived from the node name. */
      schedule: z
        .string()
        .default('')
        .refine((s) => s.trim() === '' || cron.validate(s.trim()), { message: 'not a valid cron expression (five fields, e.g. "17 3 * * *")' }),
    })
    .prefault({}),
});

export type DetectorConfig = z.infer<typeof detectorOptions>;

/** The options of the stages after the model, from the config. */
export const stageOptionsOf = (c: Pick<DetectorConfig, 'threshold' | 'refractory' | 'seasonal' | 'rangeTolerance' | 'flatline'>): StageOptions => ({
  ...DEFAULT_STAGE_OPTIONS,
  threshold: c.threshold,
  refractory: c.refractory,
  seasonalBins: c.seasonal ? SEASONAL_BINS : 0,
  rangeTolerance: c.rangeTolerance,
  flatlineLog10: c.flatline ? DEFAULT_STAGE_OPTIONS.flatlineLog10 : 0,
});
