// `npm run bench:soak`: Vigil with the default config at its default 10 s interval for an hour
// (VIGIL_SOAK_SECONDS to shorten) while dummy interfaces are created and deleted in a network
// namespace every interval; memory is sampled every 30 s. Replaces only the Soak section of
// BENCHMARKS.md and writes the plot to docs/soak-rss.svg. Needs root and `ip netns` (iproute2).
//
// Vigil reads the namespace's /proc/net/dev through a host tree (--path.procfs) whose net/ is the
// /proc/<pid>/net of a process inside the namespace and whose other entries are the real /proc's, as
// test/e2e/interface-churn.test.ts does; it runs and listens in the host's namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, memory } from './procstat.ts';
import { type Service, startService } from './processes.ts';
import { sampleValue, seriesCount } from './scrape.ts';
import { keptSection, replaceSection, type SoakRun, type SoakSample, soakMarkdown, svgPlot } from './soak-report.ts';
import { buildIfNeeded, vigilCommand, vigilService } from './vigil-command.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = path.join(ROOT, 'BENCHMARKS.md');
const SVG = 'docs/soak-rss.svg';

const DURATION_S = Number(process.env.VIGIL_SOAK_SECONDS ?? 3600);
if (!Number.isFinite(DURATION_S) || DURATION_S < 60) throw new Error(`VIGIL_SOAK_SECONDS=${process.env.VIGIL_SOAK_SECONDS}: at least 60 seconds`);
const INTERVAL_S = 10;
/** Growth is counted from here: 10 minutes of the hour, a sixth of a shortened run. */
const WARM_S = Math.min(600, DURATION_S / 6);
const SAMPLE_S = Math.min(30, DURATION_S / 20);
/** Interfaces created per interval, and how many intervals each one lives (about 12 alive at once). */
const CHURN = { perInterval: 3, lifetimeIntervals: 4 } as const;

const started = performance.now();
const log = (message: string): void => {
  process.stderr.write(`[soak ${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${message}\n`);
};
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const NS = `vigil-soak-${process.pid}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

if (process.getuid?.() !== 0) throw new Error('the soak needs root (it creates a network namespace with `ip netns`)');

/** A process inside the namespace, whose /proc/<pid>/net is the namespace's network view. */
async function namespaceProcess(): Promise<{ child: ChildProcess; pid: string }> {
  const child = spawn('ip', ['netns', 'exec', NS, 'sleep', 'infinity'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const pid = ip('netns', 'pids', NS).trim().split('\n')[0];
    if (pid) return { child, pid };
    await sleep(50);
  }
  throw new Error(`no process appeared in namespace ${NS}`);
}

/** The real /proc (its named entries and /proc/1, which the filesystem collector reads), net/ from the namespace. */
function hostTree(dir: string, nsPid: string): string {
  const proc = path.join(dir, 'proc');
  mkdirSync(proc);
  for (const entry of readdirSync('/proc')) {
    if (entry === 'net' || (/^\d+$/.test(entry) && entry !== '1')) continue;
    symlinkSync(path.join('/proc', entry), path.join(proc, entry));
  }
  symlinkSync(path.join('/proc', nsPid, 'net'), path.join(proc, 'net'));
  return proc;
}

/**
 * Dummy interfaces where the kernel has the dummy driver; else veth pairs (both ends in the
 * namespace), which every kernel that runs containers has.
 */
function interfaceKind(): 'dummy' | 'veth' {
  try {
    ip('-n', NS, 'link', 'add', 'probe0', 'type', 'dummy');
    ip('-n', NS, 'link', 'del', 'probe0');
    return 'dummy';
  } catch {
    return 'veth';
  }
}

/** Adds an interface (a veth pair: two) and brings it up; returns the names created. */
function addInterface(kind: 'dummy' | 'veth', name: string, peer: string): string[] {
  ip('-n', NS, 'link', 'add', name, ...(kind === 'dummy' ? ['type', 'dummy'] : ['type', 'veth', 'peer', 'name', peer]));
  const names = kind === 'dummy' ? [name] : [name, peer];
  for (const n of names) ip('-n', NS, 'link', 'set', n, 'up');
  return names;
}

/** Creates this interval's interfaces and deletes those past their lifetime. */
class Churn {
  /** Interfaces created so far (a veth pair counts two). */
  created = 0;
  private n = 0;
  private readonly alive: string[] = [];
  private readonly kind: 'dummy' | 'veth';

  constructor(kind: 'dummy' | 'veth') {
    this.kind = kind;
  }

  step(): void {
    for (let k = 0; k < CHURN.perInterval; k++, this.n++) {
      // Named as CNIs name pods' veths (excluded from the detector); a veth pair's peer, and every
      // third dummy, plainly (which the detector may take).
      const name = this.kind === 'dummy' && this.n % 3 === 2 ? `dum${this.n}` : `veth${this.n}`;
      this.created += addInterface(this.kind, name, `pod${this.n}`).length;
      this.alive.push(name);
    }
    // Deleting one end of a veth pair deletes both.
    while (this.alive.length > CHURN.perInterval * CHURN.lifetimeIntervals) ip('-n', NS, 'link', 'del', this.alive.shift()!);
  }
}

async function sample(vigil: Service, t0: number, devices: Set<string>): Promise<SoakSample> {
  const mem = memory(vigil.pid);
  const cpu = cpuSeconds(vigil.pid);
  let body = '';
  try {
    const res = await fetch(vigil.metricsUrl, { signal: AbortSignal.timeout(10_000) });
    body = await res.text();
  } catch (err) {
    log(`scrape failed: ${(err as Error).message}`);
  }
  const here = [...body.matchAll(/^node_network_receive_bytes_total\{device="([^"]+)"/gm)].map((m) => m[1]!);
  for (const d of here) devices.add(d);
  return {
    t: (performance.now() - t0) / 1000,
    rssBytes: mem.rssBytes,
    anonBytes: mem.anonBytes,
    peakRssBytes: mem.peakRssBytes,
    heapBytes: sampleValue(body, 'process_heap_bytes') ?? Number.NaN,
    series: seriesCount(body),
    devices: here.length,
    ticks: sampleValue(body, 'vigil_ticks_total') ?? Number.NaN,
    overruns: sampleValue(body, 'vigil_tick_overruns_total') ?? Number.NaN,
    cpuSeconds: cpu,
  };
}

const command = vigilCommand(ROOT);
buildIfNeeded(ROOT, command, log);
const loadBefore = loadavg();
const date = new Date();
const dir = mkdtempSync(path.join(tmpdir(), 'vigil-soak-'));
/** The namespace's process, once started. */
const inNamespace: { child?: ChildProcess } = {};
const cleanUp = (): void => {
  inNamespace.child?.kill('SIGKILL');
  try {
    ip('netns', 'del', NS);
  } catch {
    // not created, or already gone
  }
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanUp);

ip('netns', 'add', NS);
ip('-n', NS, 'link', 'set', 'lo', 'up');
const kind = interfaceKind();
// A stable interface beside the churn, as a node's uplink is.
addInterface(kind, 'eth0', 'eth1');
const ns = await namespaceProcess();
inNamespace.child = ns.child;
const proc = hostTree(dir, ns.pid);

const spec = await vigilService(command, { interval: `${INTERVAL_S}s`, readyTimeoutMs: 60_000 });
const vigil = await startService({ ...spec, args: [...spec.args, `--path.procfs=${proc}`, '--state-dir', path.join(dir, 'state')] });
log(
  `vigil pid ${vigil.pid} ready; soak of ${DURATION_S} s with ${kind} interfaces (warm-up ${WARM_S} s, samples every ${SAMPLE_S} s, churn every ${INTERVAL_S} s) in namespace ${NS}`,
);

const t0 = performance.now();
const churn = new Churn(kind);
const devices = new Set<string>();
const samples: SoakSample[] = [];
const churnTimer = setInterval(() => {
  try {
    churn.step();
  } catch (err) {
    log(`churn failed: ${(err as Error).message.split('\n')[0]}`);
  }
}, INTERVAL_S * 1000);
try {
  for (let i = 0; i * SAMPLE_S <= DURATION_S; i++) {
    const wait = t0 + i * SAMPLE_S * 1000 - performance.now();
    if (wait > 0) await sleep(wait);
    const s = await sample(vigil, t0, devices);
    samples.push(s);
    log(
      `t=${s.t.toFixed(0)} s rss=${(s.rssBytes / 1e6).toFixed(1)} MB anon=${(s.anonBytes / 1e6).toFixed(1)} MB heap=${(s.heapBytes / 1e6).toFixed(1)} MB series=${s.series} devices=${s.devices} created=${churn.created} ticks=${s.ticks} overruns=${s.overruns}`,
    );
  }
} finally {
  clearInterval(churnTimer);
  await vigil.stop();
}

const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
const run: SoakRun = {
  date,
  durationSeconds: DURATION_S,
  warmSeconds: WARM_S,
  intervalSeconds: INTERVAL_S,
  samples,
  interfacesCreated: churn.created,
  interfaceKind: kind,
  devicesSeen: devices.size,
  machine: `${availableParallelism()} CPUs (${cpuModel}), kernel ${release()}, Node.js ${process.version}`,
  command: [path.basename(process.execPath), ...command.nodeArgs, path.relative(ROOT, command.main), ...command.args].join(' '),
  loadBefore,
  loadAfter: loadavg(),
  svgPath: SVG,
};
writeFileSync(path.join(ROOT, SVG), svgPlot(run));
const doc = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '# Vigil benchmarks\n';
writeFileSync(OUTPUT, replaceSection(doc, soakMarkdown(run)));
log(`wrote the Soak section of ${OUTPUT} and ${SVG}${keptSection(doc) === undefined ? ' (new section)' : ''}`);
// The namespace's process would keep the event loop alive: clean up now rather than at exit.
process.off('exit', cleanUp);
cleanUp();
