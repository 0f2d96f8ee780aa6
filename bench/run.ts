// `npm run bench`: runs every bench section in order and writes BENCHMARKS.md at the repository root.
// A section that fails is written as a failure in its place; the others still run, and the exit
// status is 1. Progress goes to stderr.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostMetricsSection, NODE_EXPORTER } from './host-metrics.ts';
import { describeMachine, machineMarkdown } from './machine.ts';
import { detectorSection } from './detector.ts';
import { retrainSection } from './retrain.ts';
import { pgReplicationSection } from './pgreplication.ts';
import { promqlSection } from './promql.ts';
import { alertingSection } from './alerting.ts';
import { sinksSection } from './sinks.ts';
import { nodePageSection } from './node-page.ts';
import { webConfigSection } from './web-config.ts';
import { scrapeStormSection } from './scrape-storm.ts';
import { memorySection } from './memory.ts';
import type { BenchContext, BenchSection } from './section.ts';
import { keptSection, SOAK_TITLE } from './soak-report.ts';
import { buildIfNeeded, vigilCommand } from './vigil-command.ts';

/** Sections in the order they appear in BENCHMARKS.md; new ones (PostgreSQL, detector, Kafka) go here. */
const SECTIONS: readonly BenchSection[] = [
  hostMetricsSection,
  pgReplicationSection,
  detectorSection,
  retrainSection,
  promqlSection,
  alertingSection,
  sinksSection,
  nodePageSection,
  webConfigSection,
  scrapeStormSection,
  memorySection,
];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

const started = performance.now();
const log = (message: string): void => {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
};
/** Other work on the machine skews every figure; the load average before and after shows how much there was. */
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const date = new Date();
const loadBefore = loadavg();
const vigil = vigilCommand(ROOT);
buildIfNeeded(ROOT, vigil, log);
const ctx: BenchContext = { log, root: ROOT, vigil };

const sections: string[] = [];
let failed = 0;
for (const section of SECTIONS) {
  log(`section: ${section.title}`);
  let body: string;
  try {
    body = await section.run(ctx);
  } catch (err) {
    failed++;
    log(`section failed: ${(err as Error).stack ?? String(err)}`);
    body = `**Not measured in this run:** ${(err as Error).message.split('\n')[0]}`;
  }
  sections.push('', `## ${section.title}`, '', body);
}

// The soak (`npm run bench:soak`) is an hour-long run of its own: its section is carried over as it is.
const soak = existsSync(OUTPUT) ? keptSection(readFileSync(OUTPUT, 'utf8')) : undefined;
if (soak !== undefined) sections.push('', `## ${SOAK_TITLE}`, '', soak);

const output = [
  '# Vigil benchmarks',
  '',
  'Written by `npm run bench` (bench/run.ts): every figure below was measured in one run, on the machine described here.',
  'Figures from other machines are not comparable; the ratios are the point.',
  '',
  '## Machine',
  '',
  machineMarkdown(describeMachine(NODE_EXPORTER), date),
  `| Load average (1, 5, 15 min) before / after | ${loadBefore} / ${loadavg()} |`,
  `| Bench run time | ${((performance.now() - started) / 1000).toFixed(0)} s |`,
  ...sections,
  '',
];
writeFileSync(OUTPUT, output.join('\n'));
log(`wrote ${OUTPUT}${failed > 0 ? ` (${failed} section(s) failed)` : ''}`);
process.exitCode = failed > 0 ? 1 : 0;
