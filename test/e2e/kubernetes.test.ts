// deploy/kubernetes: rendered as `kubectl apply -k` renders it (kubectl's built-in kustomize), every
// resource validated against the Kubernetes API schemas (kubernetes-models) and prometheus-operator's
// CRD schemas (@kubernetes-models/prometheus-operator), the DaemonSet's security and host-mount
// settings checked, the ConfigMap's vigil.yaml through `vigil check-config`, and the container's
// flags and probe paths tried on a real agent started with that config. prometheusrule.yaml must be
// what scripts/prometheus-rule.ts makes from alerts/rules (else it is stale), and pass promtool.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { OUTPUT, prometheusRule } from '../../scripts/prometheus-rule.ts';
import { type AgentPeer, REPO_ROOT, runCli, startAgent } from '../peers/agent.ts';
import { getText } from '../peers/child.ts';
import { PROMTOOL_BIN } from '../peers/prometheus.ts';

const run = promisify(execFile);
const BASE = path.join(REPO_ROOT, 'deploy', 'kubernetes');

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Schema validation per kind: `new Model(obj).validate()` throws with the failing path. */
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

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The kustomization resolved by hand (resources, configMapGenerator, namespace): what the test
 * uses where kubectl is missing, and what it compares kubectl's rendering with where it is not.
 */
function resolveByHand(): Resource[] {
  const k = parse(readFileSync(path.join(BASE, 'kustomization.yaml'), 'utf8')) as {
    namespace: string;
    resources: string[];
    configMapGenerator?: { name: string; files: string[] }[];
  };
  const out: Resource[] = [];
  for (const r of k.resources) for (const d of parseAllDocuments(readFileSync(path.join(BASE, r), 'utf8'))) out.push(d.toJS() as Resource);
  for (const g of k.configMapGenerator ?? []) {
    const data = Object.fromEntries(g.files.map((f) => [path.basename(f), readFileSync(path.join(BASE, f), 'utf8')]));
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data });
  }
  for (const r of out) if (r.kind !== 'Namespace') r.metadata.namespace = k.namespace;
  return out;
}

function render(): Resource[] {
  if (!hasKubectl()) return resolveByHand();
  const text = execFileSync('kubectl', ['kustomize', BASE], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as Resource);
}

const key = (r: Resource) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`;

let resources: Resource[];
const one = (kind: string): Resource => {
  const hits = resources.filter((r) => r.kind === kind);
  if (hits.length !== 1) throw new Error(`${kind}: ${hits.length} resources`);
  return hits[0]!;
};

// The shapes the assertions read (kubernetes-models validated them first).
interface Container {
  name: string;
  args?: string[];
  env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; mountPropagation?: string }[];
}
interface PodSpec {
  hostNetwork?: boolean;
  hostPID?: boolean;
  tolerations?: Record<string, string>[];
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes: { name: string; hostPath?: { path: string; type?: string }; configMap?: { name: string }; secret?: { secretName: string; optional?: boolean } }[];
}
const podSpec = (): PodSpec => (one('DaemonSet') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const agentContainer = (): Container => podSpec().containers.find((c) => c.name === 'vigil')!;

beforeAll(() => {
  resources = render();
});

describe('deploy/kubernetes renders and validates', () => {
  it('renders exactly the base resources (kubectl kustomize = the kustomization read by hand)', () => {
    expect(resources.map(key).sort()).toEqual(
      [
        'ConfigMap/vigil/vigil-config',
        'DaemonSet/vigil/vigil',
        'Namespace//vigil',
        'PrometheusRule/vigil/vigil',
        'Service/vigil/vigil',
        'ServiceAccount/vigil/vigil',
        'ServiceMonitor/vigil/vigil',
      ].sort(),
    );
    expect(resolveByHand().map(key).sort()).toEqual(resources.map(key).sort());
    // The generated ConfigMap's hashed name is the one the DaemonSet mounts.
    const cm = one('ConfigMap').metadata.name;
    expect(podSpec().volumes.find((v) => v.name === 'config')?.configMap?.name).toBe(cm);
  });

  it('every resource, and the example Secret, passes the API schema of its kind', () => {
    const secret = parse(readFileSync(path.join(BASE, 'examples', 'postgres-secret.yaml'), 'utf8')) as Resource;
    for (const r of [...resources, secret]) {
      const validate = MODELS[r.kind];
      expect(validate, `no schema for ${r.kind}`).toBeDefined();
      expect(() => validate!(r), key(r)).not.toThrow();
    }
  });

  it('the schema check can fail: a DaemonSet with a wrong type is rejected', () => {
    const broken = structuredClone(one('DaemonSet')) as unknown as { spec: { template: { spec: { hostPID: unknown } } } };
    broken.spec.template.spec.hostPID = 'yes';
    expect(() => MODELS.DaemonSet!(broken as unknown as Resource)).toThrow(/hostPID/);
  });

  it('the DaemonSet runs on every node with host views, read-only and unprivileged', () => {
    const spec = podSpec();
    expect(spec.hostNetwork).toBe(true);
    expect(spec.hostPID).toBe(true);
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const c = agentContainer();
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.securityContext?.capabilities?.add).toBeUndefined();
    for (const [mount, hostPath] of [
      ['/host/proc', '/proc'],
      ['/host/sys', '/sys'],
      ['/host/root', '/'],
    ] as const) {
      const m = c.volumeMounts?.find((v) => v.mountPath === mount);
      expect(m, mount).toMatchObject({ readOnly: true, mountPropagation: 'HostToContainer' });
      expect(spec.volumes.find((v) => v.name === m!.name)?.hostPath?.path).toBe(hostPath);
    }
    const state = c.volumeMounts?.find((v) => v.mountPath === '/var/lib/vigil');
    expect(spec.volumes.find((v) => v.name === state?.name)?.hostPath).toEqual({ path: '/var/lib/vigil', type: 'DirectoryOrCreate' });
    expect(c.args).toEqual(expect.arrayContaining(['--path.procfs=/host/proc', '--path.sysfs=/host/sys', '--path.rootfs=/host/root']));
    expect(c.env?.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    for (const k of ['requests', 'limits'] as const) expect(Object.keys(c.resources?.[k] ?? {}).sort(), k).toEqual(['cpu', 'memory']);
    // The only process with a capability is the init container that hands the state dir over.
    expect(spec.initContainers?.map((i) => i.securityContext?.capabilities)).toEqual([{ drop: ['ALL'], add: ['CHOWN'] }]);
    // Database passwords come from a Secret, optional so that the agent starts without one.
    const secretVolume = spec.volumes.find((v) => v.secret !== undefined);
    expect(secretVolume?.secret).toMatchObject({ secretName: 'vigil-postgres', optional: true });
    expect(c.volumeMounts?.find((v) => v.name === secretVolume?.name)).toMatchObject({ mountPath: '/etc/vigil/secrets', readOnly: true });
  });

  it('probes, Service and ServiceMonitor all point at the agent port 9464 named metrics', () => {
    const c = agentContainer();
    expect(c.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: 9464 })]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const svc = one('Service') as unknown as { spec: { clusterIP: string; ports: { name: string; port: number }[]; selector: Record<string, string> } };
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: 'metrics', port: 9464 })]);
    const podLabels = (one('DaemonSet') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    expect(podLabels).toMatchObject(svc.spec.selector);
    const sm = one('ServiceMonitor') as unknown as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
    expect(one('Service').metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.endpoints.map((e) => [e.port, e.path])).toEqual([['metrics', '/metrics']]);
  });
});

describe('deploy/kubernetes matches what the agent serves', () => {
  let dir: string;
  let agent: AgentPeer;
  const configFile = () => path.join(dir, 'vigil.yaml');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-k8s-e2e-'));
    const cm = one('ConfigMap') as unknown as { data: Record<string, string> };
    writeFileSync(configFile(), cm.data['vigil.yaml']!);
    // The container's own args, with values for this machine: the config file written above, the
    // host's own /proc, /sys and /. Flag names are untouched, so a renamed flag fails here.
    const args = agentContainer().args!.map((a) =>
      a
        .replace(/^--config=.*/, `--config=${configFile()}`)
        .replace('=/host/proc', '=/proc')
        .replace('=/host/sys', '=/sys')
        .replace('=/host/root', '=/'),
    );
    // --listen and --state-dir come after: loopback on a free port, a temp state dir.
    agent = await startAgent({ args: [...args, `--state-dir=${dir}`], env: { NODE_NAME: 'k8s-node-a' }, waitReady: false, timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    await agent?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("the ConfigMap's vigil.yaml passes vigil check-config", async () => {
    const res = await runCli(['check-config', '--config', configFile()]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^listen: 0\.0\.0\.0:9464$/m);
  });

  it('answers the liveness and readiness paths with 200, and serves host metrics', async () => {
    const c = agentContainer();
    for (const probe of [c.livenessProbe!, c.readinessProbe!]) {
      const deadline = Date.now() + 30_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await fetch(`${agent.url}${probe.httpGet.path}`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(status, probe.httpGet.path).toBe(200);
    }
    expect(await getText(`${agent.url}/metrics`)).toMatch(/^node_cpu_seconds_total\{/m);
  });
});

describe('prometheusrule.yaml', () => {
  it('is what scripts/prometheus-rule.ts makes from alerts/rules (run it when this fails)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(prometheusRule());
  });

  it('every alert has a runbook_url, and the groups pass promtool check rules', async () => {
    const rule = one('PrometheusRule') as unknown as { spec: { groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[] } };
    const alerts = rule.spec.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(a.annotations?.runbook_url, a.alert).toBe(`http://vigil.vigil.svc:9464/runbooks/${a.alert}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-k8s-rules-'));
    try {
      const file = path.join(dir, 'rules.yml');
      writeFileSync(file, JSON.stringify({ groups: rule.spec.groups }));
      const { stdout } = await run(PROMTOOL_BIN, ['check', 'rules', file]);
      expect(stdout).toMatch(new RegExp(`SUCCESS: ${rule.spec.groups.reduce((n, g) => n + g.rules.length, 0)} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
