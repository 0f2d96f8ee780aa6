// Every file in the repository that is generated from code, and how: `npm run generate` writes
// them all, and test/generated.test.ts fails when a committed one differs from what its code makes.
import { stringify } from 'yaml';
import { defaultConfig } from '../agent/config.ts';
import { DASHBOARDS, dashboardText } from '../dashboards/generate.ts';
import { metricsReference } from '../docs/metrics-reference.ts';
import { prometheusRule } from './prometheus-rule.ts';

export interface GeneratedFile {
  /** Repository-relative path. */
  readonly path: string;
  /** The file's content; `current` is what is there now, for files of which only a block is generated. */
  render(current: string): string;
}

const CONFIG_BLOCK = /(## Configuration reference[\s\S]*?```yaml\n)([\s\S]*?)(```)/;

/** The README with its configuration reference block set to the embedded defaults. */
function readmeWithDefaults(readme: string): string {
  if (!CONFIG_BLOCK.test(readme)) throw new Error('README.md has no "## Configuration reference" yaml block');
  return readme.replace(CONFIG_BLOCK, (_m, head: string, _old: string, tail: string) => head + stringify(defaultConfig()) + tail);
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: 'docs/metrics.md', render: () => metricsReference() },
  { path: 'README.md', render: readmeWithDefaults },
  { path: 'deploy/kubernetes/prometheusrule.yaml', render: () => prometheusRule() },
  ...DASHBOARDS.map((d) => ({ path: `dashboards/${d.file}`, render: () => dashboardText(d) })),
];
