// npm run docs: regenerates what is generated from code — docs/metrics.md from the metric
// declarations, and the README's configuration reference block from the embedded defaults.
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { defaultConfig } from '../agent/config.ts';
import { metricsReference } from '../docs/metrics-reference.ts';

writeFileSync(new URL('../docs/metrics.md', import.meta.url), metricsReference());
console.error('wrote docs/metrics.md');

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const block = /(## Configuration reference[\s\S]*?```yaml\n)([\s\S]*?)(```)/;
if (!block.test(readme)) throw new Error('README.md has no "## Configuration reference" yaml block');
writeFileSync(readmeUrl, readme.replace(block, (_m, head: string, _old: string, tail: string) => head + stringify(defaultConfig()) + tail));
console.error('wrote the configuration reference block of README.md');
