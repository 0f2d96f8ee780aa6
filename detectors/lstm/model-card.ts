// The model card written beside a trained model: what it was trained on, how, how well, and how to
// reproduce it. Markdown for people (with the loss curve as a table, an ASCII chart and an inline
// SVG), JSON for tools.
import type { TrainingReport } from './training-run.ts';

export interface CardFacts {
  readonly report: TrainingReport;
  readonly sha256: string;
  readonly bytes: number;
  readonly modelFile: string;
  readonly seconds: number;
  /** CPU time of the process (user + system), seconds: the wall time depends on what else runs. */
  readonly cpuSeconds: number;
  readonly command: string;
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(5) : 'n/a');

/** An ASCII chart of train (t) and validation (v) loss per epoch. */
function asciiChart(history: readonly { trainLoss: number; validationLoss: number }[], height = 10): string {
  const values = history.flatMap((h) => [h.trainLoss, h.validationLoss]).filter(Number.isFinite);
  if (values.length === 0) return '(no epochs)';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const row = (v: number): number => Math.round(((hi - v) / span) * (height - 1));
  const grid = Array.from({ length: height }, () => Array.from({ length: history.length * 3 }, () => ' '));
  history.forEach((h, i) => {
    if (Number.isFinite(h.trainLoss)) grid[row(h.trainLoss)]![i * 3] = 't';
    if (Number.isFinite(h.validationLoss)) grid[row(h.validationLoss)]![i * 3 + 1] = 'v';
  });
  const label = (r: number): string => (hi - (r / (height - 1)) * span).toFixed(4).padStart(8);
  return [
    ...grid.map((cells, r) => `${label(r)} |${cells.join('')}`),
    `${' '.repeat(8)} +${'-'.repeat(history.length * 3)}`,
    `${' '.repeat(10)}epochs 1..${history.length} (t = train, v = validation)`,
  ].join('\n');
}

function svgChart(history: readonly { trainLoss: number; validationLoss: number }[]): string {
  const w = 480;
  const h = 200;
  const pad = 30;
  const values = history.flatMap((e) => [e.trainLoss, e.validationLoss]).filter(Number.isFinite);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const x = (i: number): number => pad + (i * (w - 2 * pad)) / Math.max(1, history.length - 1);
  const y = (v: number): number => h - pad - ((v - lo) / (hi - lo || 1)) * (h - 2 * pad);
  const line = (pick: (e: { trainLoss: number; validationLoss: number }) => number): string =>
    history.map((e, i) => `${x(i).toFixed(1)},${y(pick(e)).toFixed(1)}`).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line((e) => e.trainLoss)}"/>`,
    `<polyline fill="none" stroke="#d62728" stroke-width="2" points="${line((e) => e.validationLoss)}"/>`,
    `<text x="${pad}" y="16" font-size="12">loss per epoch: train (blue), validation (red); ${lo.toFixed(4)}–${hi.toFixed(4)}</text>`,
    `</svg>`,
  ].join('');
}

export function cardJson(c: CardFacts): string {
  return `${JSON.stringify({ ...c.report, sha256: c.sha256, bytes: c.bytes, file: c.modelFile, trainingSeconds: c.seconds, cpuSeconds: c.cpuSeconds, reproduce: c.command }, null, 2)}\n`;
}

export function cardMarkdown(c: CardFacts): string {
  const r = c.report;
  const hp = r.hyperparameters;
  const lines = [
    `# Model card: ${r.name} ${r.version}`,
    '',
    `- File: \`${c.modelFile}\` (${c.bytes} bytes), sha256 \`${c.sha256}\``,
    `- Architecture: one LSTM layer (ONNX \`LSTM\`, opset 17, IR 8, layout 0) over a window of ${hp.window} normalised values,`,
    `  hidden size ${hp.hidden}, linear head on the last hidden state → the next normalised value. ${hp.parameters} parameters.`,
    `- Input \`window\` [${hp.window}, batch, 1] float32, time-major; output \`next\` [batch, 1].`,
    `- Normalisation: online exponentially weighted mean/variance per series (half-life ${hp.normalizerHalfLife} points, clip ±10), detectors/scoring/normalizer.ts.`,
    `- Seed ${r.seed}; training took ${c.seconds.toFixed(0)} s (${c.cpuSeconds.toFixed(0)} s of CPU, one thread).`,
    '',
    '## Reproduce',
    '',
    '```sh',
    c.command,
    '```',
    '',
    `Same data (digest \`${r.dataDigest}\`), same seed and epochs, same Node.js major version → the same .onnx bytes (sha256 above).`,
    '',
    '## Data',
    '',
    `Data directory \`${r.dataDir}\`: ${r.used.length} files used, ${r.skipped.length} skipped. Plus ${r.synthetic.count} synthetic series of ${r.synthetic.length} points (detectors/data/synthetic.ts, seed ${r.synthetic.seed}).`,
    `In all ${r.series} series, ${r.points} points; ${r.trainWindows} training windows and ${r.validationWindows} validation windows sampled`,
    `(stratified over each series; validation windows predict the last 10% of each series; flat series and windows touching gaps are left out).`,
    '',
    '| file | series | points |',
    '|---|---|---|',
    ...r.used.map((u) => `| ${u.path} | ${u.series} | ${u.points} |`),
    '',
    'Skipped (never trained on):',
    '',
    ...summariseSkipped(r.skipped),
    '',
    '## Hyper-parameters',
    '',
    `| window | hidden | epochs | batch | learning rate | loss | optimiser |`,
    `|---|---|---|---|---|---|---|`,
    `| ${hp.window} | ${hp.hidden} | ${hp.epochs} | ${hp.batchSize} | ${hp.learningRate} → ${hp.finalLearningRate} (cosine) | ${hp.loss} | Adam (β 0.9/0.999), global-norm clip 1 |`,
    '',
    '## Loss curve',
    '',
    `Weights kept from epoch ${r.bestEpoch} (lowest validation loss).`,
    '',
    '| epoch | train loss | validation loss | validation MSE |',
    '|---|---|---|---|',
    ...r.history.map((e) => `| ${e.epoch} | ${f(e.trainLoss)} | ${f(e.validationLoss)} | ${f(e.validationMse)} |`),
    '',
    '```',
    asciiChart(r.history),
    '```',
    '',
    svgChart(r.history),
    '',
    '## Evaluation (validation windows, normalised units)',
    '',
    '| forecast | MSE |',
    '|---|---|',
    `| this model | ${f(r.validation.mse)} |`,
    `| last value repeated | ${f(r.validation.lastValueMse)} |`,
    `| the running mean (0) | ${f(r.validation.zeroMse)} |`,
    '',
    'Anomaly-detection figures (event-level F1 against the labelled test parts) are in DETECTION.md.',
    '',
  ];
  return lines.join('\n');
}

function summariseSkipped(skipped: readonly { path: string; reason: string }[]): string[] {
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  return byReason.size ? [...byReason].map(([reason, n]) => `- ${n} files: ${reason}`) : ['- none'];
}
