// The windowed early-detection score of `vigil eval` (issue 12): one early alarm per incident, very
// few false ones. Per series (or per multi-series file, which is one unit):
// - around each labelled anomaly (a run of labelled rows) a window of width
//   w = 10 % of the series' length / the number of labelled anomalies in it, centred on the
//   anomaly's start; a window always reaches at least to the end of its labelled run, so it is at
//   least as wide as the run: [start − w/2, max(start + w/2, end)]. Windows that would overlap are
//   cut where the next one begins.
// - the first 15 % of the series (at most 750 rows) is not scored: detections there are ignored and
//   labelled anomalies starting there have no window.
// - a *detection* is a row where an alarm starts (a run of flagged rows is one detection, as an
//   operator sees one page). In a window only the earliest detection counts: it earns
//   (2·sigmoid(−5p) − 1) / (2·sigmoid(5) − 1), with p = −1 at the window's left edge and 0 at its
//   right edge, so 1 at the left edge and 0 at the right one. Later detections in the same window are
//   free.
// - every detection outside windows costs 0.11; shortly after a window it costs less, by the same
//   sigmoid: 0.11·(1 − 2·sigmoid(−5p)) with p = rows after the window's right edge / window width.
// - every window without a detection costs 1.
// The sum is normalised between a detector that flags nothing (0) and a perfect one (100: every
// window detected at its left edge, nothing else); totals over many series are summed first, then
// normalised, so long series with many windows weigh more.

const FALSE_DETECTION_COST = 0.11;
const MISSED_WINDOW_COST = 1;
/** Share of a series' length shared out among its windows. */
const WINDOW_SHARE = 0.1;
/** Share of a series (at most PROBATION_MAX rows) not scored at its start. */
const PROBATION_SHARE = 0.15;
const PROBATION_MAX = 750;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const EDGE = 2 * sigmoid(5) - 1;

/** Reward of the first detection at relative position p ∈ [−1, 0] of a window: 1 at −1, 0 at 0. */
export const windowReward = (p: number): number => (2 * sigmoid(-5 * p) - 1) / EDGE;
/** Cost of a detection p window-widths after a window's right edge (p > 0): rises from 0 to 0.11. */
export const afterWindowCost = (p: number): number => FALSE_DETECTION_COST * (1 - 2 * sigmoid(-5 * p));

export interface ScoreWindow {
  /** Rows left..right inclusive (fractional edges allowed; a row i is inside when left ≤ i ≤ right). */
  readonly left: number;
  readonly right: number;
}

/** The windowed-score tally of one or more series; `score` normalises it. */
export interface WindowedTally {
  /** Sum of rewards minus costs. */
  raw: number;
  /** What flagging nothing scores: −windows. */
  nothing: number;
  /** What a perfect detector scores: +windows. */
  perfect: number;
  windows: number;
  detected: number;
  falseDetections: number;
}

export const emptyTally = (): WindowedTally => ({ raw: 0, nothing: 0, perfect: 0, windows: 0, detected: 0, falseDetections: 0 });

export function addTally(into: WindowedTally, t: WindowedTally): void {
  into.raw += t.raw;
  into.nothing += t.nothing;
  into.perfect += t.perfect;
  into.windows += t.windows;
  into.detected += t.detected;
  into.falseDetections += t.falseDetections;
}

/** 0 (flags nothing) … 100 (perfect); NaN when there are no windows. */
export const normalisedScore = (t: WindowedTally): number => (t.perfect === t.nothing ? Number.NaN : (100 * (t.raw - t.nothing)) / (t.perfect - t.nothing));

/** Rows not scored at the start of a series of `length` rows. */
export const probationOf = (length: number): number => Math.min(Math.floor(PROBATION_SHARE * length), PROBATION_MAX);

/** The scoring windows of a series from its 0/1 row labels. */
export function scoreWindows(labels: Uint8Array): ScoreWindow[] {
  const n = labels.length;
  const probation = probationOf(n);
  const runs: { start: number; end: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1 && (i === 0 || labels[i - 1] !== 1)) {
      let e = i;
      while (e + 1 < n && labels[e + 1] === 1) e++;
      runs.push({ start: i, end: e });
    }
  }
  if (runs.length === 0) return [];
  const w = (WINDOW_SHARE * n) / runs.length;
  const windows = runs.filter((r) => r.start >= probation).map((r) => ({ left: r.start - w / 2, right: Math.max(r.start + w / 2, r.end) }));
  // Cut overlaps: a window ends just before the next one begins.
  for (let k = 0; k + 1 < windows.length; k++) {
    const next = windows[k + 1]!;
    if (windows[k]!.right >= next.left) windows[k] = { left: windows[k]!.left, right: Math.max(windows[k]!.left, Math.ceil(next.left) - 1) };
  }
  return windows;
}

/** Rows where an alarm starts: a row flagged whose previous row was not. */
export function alarmStarts(flagged: Uint8Array): Uint8Array {
  const out = new Uint8Array(flagged.length);
  for (let i = 0; i < flagged.length; i++) out[i] = flagged[i] === 1 && (i === 0 || flagged[i - 1] !== 1) ? 1 : 0;
  return out;
}

/**
 * Scores one series: `detections[i]` = 1 when a detection (an alarm start) is at row i;
 * `labels[i]` = 1 for labelled anomalous rows.
 */
export function windowedTally(detections: Uint8Array, labels: Uint8Array): WindowedTally {
  const t = emptyTally();
  const windows = scoreWindows(labels);
  const probation = probationOf(labels.length);
  t.windows = windows.length;
  t.nothing = -MISSED_WINDOW_COST * windows.length;
  t.perfect = windows.length;
  const hit = new Uint8Array(windows.length);
  let k = 0;
  for (let i = probation; i < detections.length; i++) {
    if (detections[i] !== 1) continue;
    while (k < windows.length && windows[k]!.right < i) k++;
    const win = windows[k];
    if (win !== undefined && win.left <= i) {
      if (hit[k] === 0) {
        hit[k] = 1;
        const width = win.right - win.left;
        const p = width > 0 ? (i - win.right) / width : 0;
        t.raw += windowReward(p);
        t.detected++;
      }
      continue;
    }
    t.falseDetections++;
    const prev = windows[k - 1];
    if (prev !== undefined) {
      const width = Math.max(prev.right - prev.left, 1);
      t.raw -= afterWindowCost((i - prev.right) / width);
    } else t.raw -= FALSE_DETECTION_COST;
  }
  for (let j = 0; j < windows.length; j++) if (hit[j] === 0) t.raw -= MISSED_WINDOW_COST;
  return t;
}
