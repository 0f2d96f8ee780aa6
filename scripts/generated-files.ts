// Every file in the repository that is generated from code, and how: `npm run generate` writes
// them all, and test/generated.test.ts fails when a committed one differs from what its code makes.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
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

/** The Helm chart's copy of the kustomize base's agent config (the chart cannot read outside itself). */
const helmConfig = (): string => readFileSync(new URL('../deploy/kubernetes/vigil.yaml', import.meta.url), 'utf8');

/** The PrometheusRule's `groups:` for the Helm chart (its template adds the metadata and runbook base URL). */
function helmRuleGroups(): string {
  const rule = parse(prometheusRule()) as { spec: { groups: unknown[] } };
  return `# Generated from alerts/rules by \`npm run generate\` (scripts/generated-files.ts). Do not edit.\n${stringify({ groups: rule.spec.groups })}`;
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: 'docs/metrics.md', render: () => metricsReference() },
  { path: 'README.md', render: readmeWithDefaults },
  { path: 'deploy/kubernetes/prometheusrule.yaml', render: () => prometheusRule() },
  { path: 'deploy/helm/vigil/files/vigil.yaml', render: helmConfig },
  { path: 'deploy/helm/vigil/files/prometheusrule-groups.yaml', render: helmRuleGroups },
  ...DASHBOARDS.map((d) => ({ path: `dashboards/${d.file}`, render: () => dashboardText(d) })),
];
