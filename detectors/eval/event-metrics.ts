// Event-level detection figures for one series (or one multi-series file, flagged when any of its
// series is). A labelled window counts as found when at least one flag falls inside it. Flags
// outside every window are false positives, counted per run: consecutive false flags are one false
// event, as an operator sees one false alarm, not one per tick. Point-adjusted figures (every point
// of a found window counted as detected) are given too, for comparison with the literature, where
// they are common and inflated: one lucky flag in a long window scores the whole window.

/** A labelled anomaly window: rows start..end, inclusive. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

export interface EventCounts {
  windows: number;
  found: number;
  falseEvents: number;
  /** Sum over found windows of rows from the window's start to its first flag. */
  delaySum: number;
  /** Point-adjusted counts. */
  paTruePoints: number;
  paFalsePoints: number;
  labelledPoints: number;
}

export const emptyCounts = (): EventCounts => ({ windows: 0, found: 0, falseEvents: 0, delaySum: 0, paTruePoints: 0, paFalsePoints: 0, labelledPoints: 0 });

export function addCounts(into: EventCounts, c: EventCounts): void {
  into.windows += c.windows;
  into.found += c.found;
  into.falseEvents += c.falseEvents;
  into.delaySum += c.delaySum;
  into.paTruePoints += c.paTruePoints;
  into.paFalsePoints += c.paFalsePoints;
  into.labelledPoints += c.labelledPoints;
}

/** Windows from per-row 0/1 labels: each run of 1s. */
export function windowsOf(labels: Uint8Array): Window[] {
  const out: Window[] = [];
  let start = -1;
  for (let i = 0; i <= labels.length; i++) {
    const on = i < labels.length && labels[i] === 1;
    if (on && start < 0) start = i;
    else if (!on && start >= 0) {
      out.push({ start, end: i - 1 });
      start = -1;
    }
  }
  return out;
}

/** Counts for one series: `flagged[i]` = 1 when row i was flagged; `labels[i]` = 1 inside a window. */
export function countEvents(flagged: Uint8Array, labels: Uint8Array): EventCounts {
  const c = emptyCounts();
  for (const w of windowsOf(labels)) {
    c.windows++;
    const len = w.end - w.start + 1;
    c.labelledPoints += len;
    for (let i = w.start; i <= w.end; i++) {
      if (flagged[i] === 1) {
        c.found++;
        c.delaySum += i - w.start;
        c.paTruePoints += len;
        break;
      }
    }
  }
  let inRun = false;
  for (let i = 0; i < flagged.length; i++) {
    const falseFlag = flagged[i] === 1 && labels[i] !== 1;
    if (falseFlag) {
      c.paFalsePoints++;
      if (!inRun) c.falseEvents++;
    }
    inRun = falseFlag;
  }
  return c;
}

export interface Figures {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly paF1: number;
  /** Mean rows from a found window's start to its first flag (NaN when none was found). */
  readonly meanTimeToDetect: number;
}

const f1Of = (p: number, r: number): number => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

export function figuresOf(c: EventCounts): Figures {
  // No flags at all: precision is undefined; 0 keeps F1 honest (nothing found).
  const precision = c.found + c.falseEvents === 0 ? 0 : c.found / (c.found + c.falseEvents);
  const recall = c.windows === 0 ? 0 : c.found / c.windows;
  const paP = c.paTruePoints + c.paFalsePoints === 0 ? 0 : c.paTruePoints / (c.paTruePoints + c.paFalsePoints);
  const paR = c.labelledPoints === 0 ? 0 : c.paTruePoints / c.labelledPoints;
  return { precision, recall, f1: f1Of(precision, recall), paF1: f1Of(paP, paR), meanTimeToDetect: c.found === 0 ? Number.NaN : c.delaySum / c.found };
}
