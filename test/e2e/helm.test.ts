// deploy/helm/vigil with helm itself (built from the Go module proxy, test/peers/helm/build.sh):
// `helm lint`, and `helm template` rendered manifests validated like the kustomize base (the Kubernetes
// and prometheus-operator API schemas); with default values they equal the base's objects, object for
// object (`kubectl kustomize deploy/kubernetes`), up to Helm's bookkeeping labels, the ConfigMap's name
// hash (kustomize) versus a checksum annotation (Helm) — and the Namespace, which Helm renders only with
// namespace.create=true (Helm needs the release namespace to exist first). Non-default values (web
// config, extra args, existing ConfigMap, toggles) render valid manifests that do what they say.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runCli } from '../peers/agent.ts';
import { helm, helmBinary } from '../peers/helm.ts';

const CHART = path.join(REPO_ROOT, 'deploy', 'helm', 'vigil');
const BASE = path.join(REPO_ROOT, 'deploy', 'kubernetes');

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

const MODELS: Record<string, (obj: Resource) => void> = {
  Namespace: (o) => new Namespace(o as never).validate(),
  ServiceAccount: (o) => new ServiceAccount(o as never).validate(),
  ConfigMap: (o) => new ConfigMap(o as never).validate(),
  Secret: (o) => new Secret(o as never).validate(),
  Service: (o) => new Service(o as never).validate(),
  DaemonSet: (o) => new DaemonSet(o as never).validate(),
  ServiceMonitor: (o) => new ServiceMonitor(o as never).validate(),
  PrometheusRule: (o) => new PrometheusRule(o as never).validate(),
};

/** Manifests as the API server reads them: YAML 1.1 (so `0440` is octal, as in Go). */
const parseManifests = (text: string): Resource[] =>
  parseAllDocuments(text, { version: '1.1' })
    .map((d) => d.toJS() as Resource | null)
    .filter((r): r is Resource => r !== null);

const HELM_BOOKKEEPING = ['helm.sh/chart', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version'];
const HASHED = /-[a-z0-9]{10}$/;

/** Helm's bookkeeping and kustomize's ConfigMap name hash taken out, so that the two can be compared. */
function normalize(r: Resource): Resource {
  const o = structuredClone(r) as Resource & {
    spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec?: { volumes?: { configMap?: { name: string } }[] } } };
  };
  for (const k of HELM_BOOKKEEPING) delete o.metadata.labels?.[k];
  if (o.kind === 'ConfigMap') o.metadata.name = o.metadata.name.replace(HASHED, '');
  const tpl = o.spec?.template;
  if (tpl?.metadata?.annotations) {
    delete tpl.metadata.annotations['checksum/config'];
    if (Object.keys(tpl.metadata.annotations).length === 0) delete tpl.metadata.annotations;
  }
  for (const v of tpl?.spec?.volumes ?? []) if (v.configMap) v.configMap.name = v.configMap.name.replace(HASHED, '');
  return o;
}

const key = (r: Resource) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
const byKey = (rs: Resource[]) => Object.fromEntries(rs.map((r) => [key(r), r]));

let bin: string;
const template = async (args: readonly string[] = []): Promise<Resource[]> => {
  const r = await helm(bin, ['template', 'vigil', CHART, '--namespace', 'vigil', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseManifests(r.stdout);
};
const only = (rs: Resource[], kind: string): Resource => {
  const hits = rs.filter((r) => r.kind === kind);
  if (hits.length !== 1) throw new Error(`${kind}: ${hits.length} resources`);
  return hits[0]!;
};

interface Container {
  name: string;
  args?: string[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
}
const podSpec = (rs: Resource[]): PodSpec => (only(rs, 'DaemonSet') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-helm-'));
beforeAll(async () => {
  bin = await helmBinary();
}, 20 * 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/helm/vigil', () => {
  it('passes `helm lint --strict`', async () => {
    const r = await helm(bin, ['lint', '--strict', CHART]);
    expect(r.stdout + r.stderr, r.stdout + r.stderr).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.code).toBe(0);
  });

  it('renders with default values, every object passing the API schema of its kind', async () => {
    const rs = await template();
    expect(rs.map(key).sort()).toEqual([
      'ConfigMap/vigil/vigil-config',
      'DaemonSet/vigil/vigil',
      'PrometheusRule/vigil/vigil',
      'Service/vigil/vigil',
      'ServiceAccount/vigil/vigil',
      'ServiceMonitor/vigil/vigil',
    ]);
    for (const r of rs) expect(() => MODELS[r.kind]!(r), key(r)).not.toThrow();
  });

  it('with default values (and namespace.create=true) equals the kustomize base, object for object', async () => {
    const base = parseManifests(execFileSync('kubectl', ['kustomize', BASE], { encoding: 'utf8' })).map(normalize);
    const chart = (await template(['--set', 'namespace.create=true'])).map(normalize);
    expect(Object.keys(byKey(chart)).sort()).toEqual(Object.keys(byKey(base)).sort());
    const b = byKey(base);
    for (const [k, r] of Object.entries(byKey(chart))) expect(r, k).toEqual(b[k]);
    // The comparison can fail: one changed value makes the DaemonSet differ.
    const changed = byKey((await template(['--set', 'resources.limits.memory=512Mi'])).map(normalize));
    expect(changed['DaemonSet/vigil/vigil']).not.toEqual(b['DaemonSet/vigil/vigil']);
  });

  it("the rendered ConfigMap's vigil.yaml passes vigil check-config", async () => {
    const cm = only(await template(), 'ConfigMap') as unknown as { data: Record<string, string> };
    const file = path.join(dir, 'vigil.yaml');
    writeFileSync(file, cm.data['vigil.yaml']!);
    const r = await runCli(['check-config', '--config', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('takes node-exporter-chart-shaped values: image, extraArgs, web config, existing ConfigMap, toggles', async () => {
    const values = path.join(dir, 'values.yaml');
    writeFileSync(
      values,
      JSON.stringify({
        image: { registry: 'registry.example.com', repository: 'obs/vigil', digest: 'sha256:' + 'a'.repeat(64) },
        extraArgs: ['--collector.textfile.directory=/host/root/var/lib/node_exporter', '--no-collector.pressure'],
        webConfig: { basic_auth_users: { prometheus: '$2y$10$' + 'x'.repeat(53) } },
        existingConfigMap: 'my-vigil-config',
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
        hostRootFsMount: { enabled: false },
        prometheus: { monitor: { enabled: false } },
        prometheusRule: { enabled: false },
      }),
    );
    const rs = await template(['-f', values, '--namespace', 'monitoring']);
    for (const r of rs) expect(() => MODELS[r.kind]!(r), key(r)).not.toThrow();
    expect(rs.map((r) => r.kind).sort()).toEqual(['DaemonSet', 'Secret', 'Service', 'ServiceAccount']);
    const spec = podSpec(rs);
    const c = spec.containers[0]!;
    expect((c as unknown as { image: string }).image).toBe(`registry.example.com/obs/vigil@sha256:${'a'.repeat(64)}`);
    expect(c.args).toEqual([
      '--config=/etc/vigil/vigil.yaml',
      '--path.procfs=/host/proc',
      '--path.sysfs=/host/sys',
      '--web.config.file=/etc/vigil/web/web-config.yml',
      '--collector.textfile.directory=/host/root/var/lib/node_exporter',
      '--no-collector.pressure',
    ]);
    expect(spec.volumes.find((v) => v.name === 'config')?.configMap?.name).toBe('my-vigil-config');
    expect(spec.volumes.find((v) => v.name === 'web-config')?.secret?.secretName).toBe('vigil-web-config');
    expect(spec.volumes.some((v) => v.name === 'root')).toBe(false);
    expect(c.volumeMounts?.find((m) => m.name === 'web-config')?.mountPath).toBe('/etc/vigil/web');
    const secret = only(rs, 'Secret') as unknown as { stringData: Record<string, string> };
    expect(secret.stringData['web-config.yml']).toContain('basic_auth_users');
    expect(rs.every((r) => r.metadata.namespace === 'monitoring')).toBe(true);
  });

  it("points the PrometheusRule's runbook links at the release's Service", async () => {
    const rs = await template(['--namespace', 'monitoring', '--set', 'fullnameOverride=vigil-agent']);
    const rule = only(rs, 'PrometheusRule') as unknown as { spec: { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] } };
    const alerts = rule.spec.groups.flatMap((g) => g.rules);
    expect(alerts.length).toBeGreaterThan(20);
    for (const a of alerts) expect(a.annotations?.runbook_url, a.alert).toBe(`http://vigil-agent.monitoring.svc:9464/runbooks/${a.alert}`);
  });
});
