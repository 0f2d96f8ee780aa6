// The one config schema, built from the component registries, and its sources in order of
// precedence: embedded defaults < YAML file < VIGIL_* environment < command-line flags.
// It is validated once, before anything starts; every error is reported with its dotted key path.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { collectorList } from '../collectors/registry.ts';
import { alertingOptions } from '../alerts/config.ts';
import { detectorList } from '../detectors/registry.ts';
import { sinkList } from '../sinks/registry.ts';
import type { CheckContext } from '../core/component.ts';
import { duration } from '../core/duration.ts';
import { ErrorCode, type UserError } from '../core/errors.ts';
import { LOG_LEVELS } from './logger.ts';
import { type PostgresOptions } from '../collectors/pgreplication/options.ts';
import { type PgBouncerOptions } from '../collectors/pgbouncer/options.ts';
import { type DetectorConfig } from '../detectors/config.ts';
import { type AlertingConfig } from '../alerts/config.ts';
import { type AlertmanagerSinkConfig } from '../sinks/alertmanager/options.ts';
import { type OtlpConfig } from '../sinks/otlp/options.ts';
import { type KafkaConfig } from '../sinks/kafka/options.ts';
import { nodePageOptions } from '../web/options.ts';

/** "host:port" or "[v6]:port"; an empty host means every interface. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) return undefined;
  return { host: host === '' ? '0.0.0.0' : host, port };
}

const listen = z.string().refine((s) => parseListen(s) !== undefined, { message: 'expected "host:port", e.g. "0.0.0.0:9464"' });

/** Where a component's options live, and its schema and checks: what the schema builder needs of it. */
interface Placed {
  readonly name: string;
  readonly configKey: string;
  readonly options: z.ZodType;
  check?(options: never, ctx: CheckContext): readonly UserError[];
}

/** Every registered component with options at a config key of its own (all but switched collectors). */
function placedComponents(): Placed[] {
  return [...collectorList.filter((f) => f.configKey !== undefined).map((f) => ({ ...f, configKey: f.configKey! })), ...detectorList, ...sinkList] as Placed[];
}

function collectorsSchema() {
  const shape: Record<string, z.ZodType> = {};
  for (const f of collectorList) {
    // Collectors configured at a top-level key of their own (`postgres`) have no entry here.
    if (f.configKey !== undefined) continue;
    const opts = f.options as unknown as z.ZodObject;
    shape[f.name] = z.strictObject({ enabled: z.boolean().default(f.defaultEnabled), ...opts.shape }).prefault({});
  }
  return z.strictObject(shape).prefault({});
}

const withDefaults = (schema: z.ZodType): z.ZodType => (schema instanceof z.ZodObject ? schema.prefault({}) : schema);

/**
 * The sections that components declare: "a" is a top-level key of its own (`detector`, `postgres`);
 * "a.b" is key b of section a (`sinks.kafka`); a component whose key names a section that a stage
 * declares too (the Alertmanager sink at `alerting`) adds its keys to that section. A key declared
 * twice is a programmer error, caught here at start.
 */
function componentSections(stageSections: Readonly<Record<string, z.ZodObject>>): Record<string, z.ZodType> {
  const top: Record<string, z.ZodType> = {};
  const nested = new Map<string, Record<string, z.ZodType>>();
  const addTo = (section: string, key: string, schema: z.ZodType, owner: string) => {
    const fields = nested.get(section) ?? {};
    if (key in fields) throw new Error(`config key ${section}.${key} is declared twice (last by ${owner})`);
    fields[key] = schema;
    nested.set(section, fields);
  };
  for (const [section, schema] of Object.entries(stageSections)) for (const [k, v] of Object.entries(schema.shape)) addTo(section, k, v as z.ZodType, section);
  for (const c of placedComponents()) {
    const [section, key, ...rest] = c.configKey.split('.');
    if (rest.length > 0 || section === undefined) throw new Error(`${c.name}: config key ${c.configKey} is deeper than two levels`);
    if (key !== undefined) addTo(section, key, withDefaults(c.options), c.name);
    else if (nested.has(section)) for (const [k, v] of Object.entries((c.options as z.ZodObject).shape)) addTo(section, k, v as z.ZodType, c.name);
    else top[section] = withDefaults(c.options);
  }
  for (const [section, fields] of nested) top[section] = z.strictObject(fields).prefault({});
  return top;
}

const components = componentSections({ alerting: alertingOptions });

const configSchema = z.strictObject({
  listen: listen.default('0.0.0.0:9464'),
  /** Path of the Prometheus scrape endpoint (node_exporter's --web.telemetry-path). */
  metricsPath: z
    .string()
    .regex(/^\/[^?#\s]*$/, { message: 'expected a path such as "/metrics"' })
    .default('/metrics'),
  interval: duration({ min: 100 }).default('10s'),
  collectorTimeout: duration({ min: 10 }).default('5s'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  stateDir: z.string().min(1).default('/var/lib/vigil'),
  /** This node's name in labels and events; empty means $NODE_NAME, else the host name. */
  nodeName: z.string().default(''),
  /** The URL others reach this agent at (runbook links, generatorURL); empty means http://<nodeName>:<listen port>. */
  externalUrl: z.string().default(''),
  paths: z
    .strictObject({
      procfs: z.string().min(1).default('/proc'),
      sysfs: z.string().min(1).default('/sys'),
      rootfs: z.string().min(1).default('/'),
      udevData: z.string().min(1).default('/run/udev/data'),
    })
    .prefault({}),
  collectors: collectorsSchema(),
  web: z
    .strictObject({
      /** The exporter-toolkit web config (TLS, client certificates, basic auth, headers); empty: plain HTTP, open. Re-read on reload. */
      configFile: z.string().default(''),
      /** Requests in flight at most (node_exporter's --web.max-requests); more get 503 with Retry-After. 0: no cap. */
      maxRequests: z.number().int().min(0).default(40),
      /** Open connections at most; more are closed when accepted. 0: no cap. */
      maxConnections: z.number().int().min(0).default(256),
    })
    .prefault({}),
  /** The node page (GET /) and its JSON endpoints. */
  nodePage: nodePageOptions.prefault({}),
  // postgres, detector, alerting, sinks: built from the registries.
  ...(components as {
    postgres: z.ZodType<PostgresOptions>;
    pgbouncer: z.ZodType<PgBouncerOptions>;
    detector: z.ZodType<DetectorConfig>;
    alerting: z.ZodType<AlertingConfig & AlertmanagerSinkConfig>;
    sinks: z.ZodType<{ otlp: OtlpConfig; kafka: KafkaConfig }>;
  }),
});

export type Config = z.infer<typeof configSchema>;
/** Per-collector config as the agent hands it to a factory. */
export type CollectorConfig = { enabled: boolean } & Record<string, unknown>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: UserError[] };

export interface ConfigSources {
  /** Path of a YAML file; absent means embedded defaults only. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides from flags, as a partial config object. */
  flags?: Record<string, unknown>;
}

/** The embedded defaults, as `check-config` prints them. */
export const defaultConfig = (): Config => configSchema.parse({});

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k] as Plain, v) : v;
  return out;
}

function setPath(obj: Plain, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (!isPlain(cur[key])) cur[key] = {};
    cur = cur[key] as Plain;
  }
  cur[path[path.length - 1]!] = value;
}

/** Scalar leaves of the defaults: these are the keys the environment may override. */
function scalarLeaves(obj: Plain, prefix: string[] = []): Array<{ path: string[]; example: unknown }> {
  const out: Array<{ path: string[]; example: unknown }> = [];
  for (const [k, v] of Object.entries(obj)) {
    if (isPlain(v)) out.push(...scalarLeaves(v, [...prefix, k]));
    else if (!Array.isArray(v)) out.push({ path: [...prefix, k], example: v });
  }
  return out;
}

/** VIGIL_LOG_LEVEL ↔ logLevel, VIGIL_PATHS__PROCFS ↔ paths.procfs: snake case, "__" between levels. */
export const envName = (path: readonly string[]): string => 'VIGIL_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');

function envOverrides(env: NodeJS.ProcessEnv, origins: Map<string, string>): Plain {
  const over: Plain = {};
  for (const leaf of scalarLeaves(defaultConfig() as unknown as Plain)) {
    const name = envName(leaf.path);
    const raw = env[name];
    if (raw === undefined) continue;
    let value: unknown = raw;
    if (typeof leaf.example === 'boolean') value = raw === 'true' ? true : raw === 'false' ? false : raw;
    else if (typeof leaf.example === 'number') value = raw.trim() === '' ? raw : Number(raw);
    setPath(over, leaf.path, value);
    origins.set(leaf.path.join('.'), `environment variable ${name}`);
  }
  return over;
}

function yamlErrors(file: string, text: string): { value?: Plain; errors: UserError[] } {
  // yaml fills in e.linePos only when it prettifies messages; a LineCounter gives the line either way.
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => ({
        code: ErrorCode.CONFIG_SYNTAX,
        where: `${file}:${lines.linePos(e.pos[0]).line}`,
        message: e.message.split('\n')[0]!,
      })),
    };
  }
  const value: unknown = doc.toJS() ?? {};
  if (!isPlain(value)) return { errors: [{ code: ErrorCode.CONFIG_SYNTAX, where: file, message: 'the top level must be a mapping of keys' }] };
  return { value, errors: [] };
}

const dotted = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';

/** Turns zod issues into one error per bad key, unknown keys included, each at its dotted path. */
function schemaErrors(error: z.ZodError, origins: ReadonlyMap<string, string> = new Map()): UserError[] {
  const out: UserError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ code: ErrorCode.CONFIG_INVALID, where: dotted([...issue.path, key]), message: 'unknown key' });
      continue;
    }
    const where = dotted(issue.path);
    const origin = origins.get(where);
    out.push({ code: ErrorCode.CONFIG_INVALID, where, message: origin ? `${issue.message} (from ${origin})` : issue.message });
  }
  return out;
}

/** Reads, merges and validates every source; never throws for user mistakes. */
export async function loadConfig(sources: ConfigSources): Promise<ConfigResult> {
  const origins = new Map<string, string>();
  let merged: Plain = {};
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = await readFile(sources.file, 'utf8');
    } catch (err) {
      return { ok: false, errors: [{ code: ErrorCode.CONFIG_UNREADABLE, where: sources.file, message: (err as Error).message }] };
    }
    const parsed = yamlErrors(sources.file, text);
    if (parsed.value === undefined) return { ok: false, errors: parsed.errors };
    merged = parsed.value;
  }
  merged = deepMerge(merged, envOverrides(sources.env ?? {}, origins));
  if (sources.flags) {
    merged = deepMerge(merged, sources.flags);
    for (const leaf of scalarLeaves(sources.flags)) origins.set(leaf.path.join('.'), 'a command-line flag');
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) return { ok: false, errors: schemaErrors(result.error, origins) };
  const errors = crossChecks(result.data, sources.env ?? {});
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: result.data };
}

/** Checks that need more than the schema, each the component's own: reported like schema errors, at a key path. */
function crossChecks(config: Config, env: NodeJS.ProcessEnv): UserError[] {
  const ctx: CheckContext = { env, collectorTimeout: config.collectorTimeout };
  const errors: UserError[] = [];
  for (const c of placedComponents()) {
    if (c.check === undefined) continue;
    for (const e of c.check(optionsAt(config, c.configKey) as never, ctx)) errors.push({ ...e, where: `${c.configKey}.${e.where}` });
  }
  return errors;
}

/** The options at a dotted config key ("sinks.kafka"); a shared section gives the whole section. */
export function optionsAt(config: Config, key: string): unknown {
  let v: unknown = config;
  for (const k of key.split('.')) v = (v as Record<string, unknown>)[k];
  return v;
}
