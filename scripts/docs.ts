// npm run docs: regenerates docs/metrics.md from the metric declarations.
import { writeFileSync } from 'node:fs';
import { metricsReference } from '../docs/metrics-reference.ts';

writeFileSync(new URL('../docs/metrics.md', import.meta.url), metricsReference());
console.error('wrote docs/metrics.md');
