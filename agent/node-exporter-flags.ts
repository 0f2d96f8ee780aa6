// node_exporter's command-line flags as aliases, so that a DaemonSet's args carry over unchanged:
// they are taken out of argv before the CLI parses it and become config overrides (flag precedence).
// A flag of node_exporter's (--web.*, --collector.*, --no-collector.*, --log.*, --runtime.*) that Vigil
// has no equivalent for is an error naming it, rather than a silently different agent.
import type { UserError } from '../core/errors.ts';
import { ErrorCode } from '../core/errors.ts';

type Plain = Record<string, unknown>;

export interface TranslatedFlags {
  /** argv without the node_exporter flags (and their values). */
  readonly argv: string[];
  /** A partial config object, as the CLI's own flags produce. */
  readonly overrides: Plain;
  readonly errors: UserError[];
}

/** node_exporter flag → Vigil config key path (valued flags). Deprecated 1.x spellings included. */
const VALUED: Readonly<Record<string, readonly string[]>> = {
  'web.listen-address': ['listen'],
  'web.telemetry-path': ['metricsPath'],
  'web.config.file': ['web', 'configFile'],
  'collector.textfile.directory': ['collectors', 'textfile', 'directory'],
  'collector.filesystem.mount-points-exclude': ['collectors', 'filesystem', 'mountPointsExclude'],
  'collector.filesystem.ignored-mount-points': ['collectors', 'filesystem', 'mountPointsExclude'],
  'collector.filesystem.fs-types-exclude': ['collectors', 'filesystem', 'fsTypesExclude'],
  'collector.filesystem.ignored-fs-types': ['collectors', 'filesystem', 'fsTypesExclude'],
  'collector.diskstats.device-exclude': ['collectors', 'diskstats', 'deviceExclude'],
  'collector.diskstats.ignored-devices': ['collectors', 'diskstats', 'deviceExclude'],
  'collector.netdev.device-exclude': ['collectors', 'netdev', 'deviceExclude'],
  'collector.netdev.device-blacklist': ['collectors', 'netdev', 'deviceExclude'],
  'web.max-requests': ['web', 'maxRequests'],
  'log.level': ['logLevel'],
};

/** Valued flags whose setting is a number: a value that is not one is left as text for the schema to refuse. */
const NUMERIC = new Set(['web.max-requests']);

const NODE_EXPORTER_PREFIX = /^--(no-)?(web|collector|log|runtime)\./;

function set(obj: Plain, keys: readonly string[], value: unknown): void {
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Plain;
  }
  o[keys.at(-1)!] = value;
}

const error = (flag: string, message: string): UserError => ({ code: ErrorCode.CONFIG_INVALID, where: flag, message });

/**
 * Takes node_exporter's flags out of `argv` (after the subcommand). `collectors` are Vigil's collector
 * names: `--collector.<name>` / `--no-collector.<name>` switch them; `--no-collector.<x>` of a collector
 * Vigil lacks is accepted (nothing to turn off), `--collector.<x>` is an error. `--collector.disable-defaults`
 * turns every collector off but those enabled by flag.
 */
export function translateNodeExporterFlags(argv: readonly string[], collectors: readonly string[]): TranslatedFlags {
  const out: string[] = [];
  const overrides: Plain = {};
  const errors: UserError[] = [];
  const enabled = new Map<string, boolean>();
  let disableDefaults = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (!NODE_EXPORTER_PREFIX.test(arg)) {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const negated = arg.startsWith('--no-');
    const name = arg.slice(negated ? 5 : 2, eq === -1 ? undefined : eq);
    const flag = `--${negated ? 'no-' : ''}${name}`;
    const takeValue = (): string | undefined => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return undefined;
      i++;
      return next;
    };
    if (!negated && name in VALUED) {
      const value = takeValue();
      if (value === undefined) errors.push(error(flag, `node_exporter flag ${flag} needs a value`));
      else set(overrides, VALUED[name]!, NUMERIC.has(name) && /^\d+$/.test(value) ? Number(value) : value);
      continue;
    }
    if (name === 'collector.disable-defaults' && !negated && eq === -1) {
      disableDefaults = true;
      continue;
    }
    const collector = /^collector\.([a-z0-9_]+)$/.exec(name)?.[1];
    if (collector !== undefined && eq === -1) {
      if (collectors.includes(collector)) enabled.set(collector, !negated);
      else if (!negated) errors.push(error(flag, `node_exporter flag ${flag}: Vigil has no ${collector} collector`));
      continue;
    }
    errors.push(error(flag, `unknown node_exporter flag ${flag}: Vigil has no equivalent (see docs/node-exporter-flags.md)`));
    if (eq === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
  }
  const switches: Plain = {};
  if (disableDefaults) for (const c of collectors) switches[c] = { enabled: false };
  for (const [c, on] of enabled) switches[c] = { enabled: on };
  for (const [c, v] of Object.entries(switches)) set(overrides, ['collectors', c, 'enabled'], (v as { enabled: boolean }).enabled);
  return { argv: out, overrides, errors };
}
