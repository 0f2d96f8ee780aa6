#!/usr/bin/env node
// The vigil command line: parse flags → load and validate config → start. Wiring only.
import './threadpool.ts';
import { runSignals } from './signals.ts';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { Agent } from './agent.ts';
import { type ConfigResult, loadConfig } from './config.ts';
import { formatUserError } from '../core/errors.ts';
import { knownSecrets, redact, redactConfig } from '../core/redact.ts';
import { createLogger, flushLogs } from './logger.ts';
import { ListenError } from './server.ts';
import { loadWebConfig } from './web-config.ts';
import { VERSION } from '../core/version.ts';
import { LOG_LEVELS } from './logger.ts';
import type { Logger } from 'pino';
import { ensureRuntimeFlags } from './runtime-flags.ts';
import { checkStateDir, removeStaleTempFiles } from './state-dir.ts';
import { translateNodeExporterFlags } from './node-exporter-flags.ts';
import { collectorList } from '../collectors/registry.ts';

/** Exit status for "the input (config, rules, flags) is invalid". */
const EXIT_INVALID = 2;

interface RunFlags {
  config?: string;
  listen?: string;
  interval?: string;
  logLevel?: string;
  stateDir?: string;
  'path.procfs'?: string;
  'path.sysfs'?: string;
  'path.rootfs'?: string;
  'path.udev.data'?: string;
  'web.config.file'?: string;
}

// node_exporter's flags (a DaemonSet's args) become overrides before the CLI parses the rest.
const nodeExporterFlags = translateNodeExporterFlags(
  process.argv.slice(2),
  collectorList.filter((c) => c.configKey === undefined).map((c) => c.name),
);

/** Flags as a partial config object (only those given); node_exporter's aliases first, Vigil's own flags win. */
function flagOverrides(f: RunFlags): Record<string, unknown> {
  const paths: Record<string, string> = {};
  if (f['path.procfs'] !== undefined) paths.procfs = f['path.procfs'];
  if (f['path.sysfs'] !== undefined) paths.sysfs = f['path.sysfs'];
  if (f['path.rootfs'] !== undefined) paths.rootfs = f['path.rootfs'];
  if (f['path.udev.data'] !== undefined) paths.udevData = f['path.udev.data'];
  const out: Record<string, unknown> = { ...nodeExporterFlags.overrides };
  if (f.listen !== undefined) out.listen = f.listen;
  if (f.interval !== undefined) out.interval = f.interval;
  if (f.logLevel !== undefined) out.logLevel = f.logLevel;
  if (f.stateDir !== undefined) out.stateDir = f.stateDir;
  if (Object.keys(paths).length > 0) out.paths = paths;
  if (f['web.config.file'] !== undefined) out.web = { configFile: f['web.config.file'] };
  return out;
}

function reportInvalid(result: Extract<ConfigResult, { ok: false }>, what = 'configuration'): never {
  for (const e of result.errors) process.stderr.write(redact(formatUserError(e), knownSecrets()) + '\n');
  process.stderr.write(`${result.errors.length} ${what} error(s); nothing was started.\n`);
  process.exit(EXIT_INVALID);
}

function addRunFlags(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file (default: $VIGIL_CONFIG, else embedded defaults)')
    .option('--listen <host:port>', 'address of /metrics, /healthz, /readyz')
    .option('--interval <duration>', 'tick interval, e.g. 10s')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS))
    .option('--state-dir <dir>', 'directory for state that survives restarts')
    .option('--path.procfs <dir>', 'procfs mountpoint (node_exporter meaning)')
    .option('--path.sysfs <dir>', 'sysfs mountpoint')
    .option('--path.rootfs <dir>', 'host root filesystem mountpoint')
    .option('--path.udev.data <dir>', 'udev data path')
    .option('--web.config.file <file>', 'exporter-toolkit web config: TLS, client certificates, basic auth (node_exporter meaning)');
}

async function run(flags: RunFlags): Promise<void> {
  // Stopped before anything started: nothing to save.
  if (runSignals.stopRequested !== undefined) process.exit(0);
  ensureRuntimeFlags();
  const reloadConfig = () => loadConfig({ file: flags.config ?? process.env.VIGIL_CONFIG, env: process.env, flags: flagOverrides(flags) });
  const result = await reloadConfig();
  if (!result.ok) reportInvalid(result);
  const stateDir = await checkStateDir(result.config.stateDir, { create: true });
  if (stateDir.error !== undefined) reportInvalid({ ok: false, errors: [stateDir.error] });
  const logger = createLogger(result.config.logLevel);
  runSignals.useLogger(logger);
  const stale = await removeStaleTempFiles(result.config.stateDir);
  if (stale.length > 0) logger.info({ removed: stale }, 'removed temporary files that earlier runs left in the state directory');
  const created = await Agent.create({ config: result.config, logger, env: process.env, reloadConfig });
  if (!created.ok) reportInvalid(created, 'rule or web config');
  const agent = created.agent;
  try {
    await agent.start();
  } catch (err) {
    if (err instanceof ListenError) {
      process.stderr.write(`${err.code} ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  runSignals.whenReloadAsked(() => void agent.reload());
  // A stop signal that came during start-up is acted on now.
  runSignals.whenStopped((signal) => stop(agent, logger, signal));
}

/** Stops the agent (bounded, state first) and exits: 0 when it stopped in time. */
function stop(agent: Agent, logger: Logger, signal: string): void {
  logger.info({ signal }, 'stopping');
  // Whatever happens, exit within 5 s of the signal, even when stdout is not being read.
  setTimeout(() => void flushLogs(logger, 0).then(() => process.exit(1)), 5000).unref();
  agent.stop(4000).then(
    () => flushLogs(logger, 500).then(() => process.exit(0)),
    () => flushLogs(logger, 500).then(() => process.exit(1)),
  );
}

async function checkConfig(file: string | undefined, flags: RunFlags): Promise<void> {
  const result = await loadConfig({ file: file ?? flags.config ?? process.env.VIGIL_CONFIG, env: process.env, flags: flagOverrides(flags) });
  if (!result.ok) reportInvalid(result);
  // The same state directory check as `run`, without creating anything (this may be another host).
  const stateDir = await checkStateDir(result.config.stateDir, { create: false });
  if (stateDir.error !== undefined) reportInvalid({ ok: false, errors: [stateDir.error] });
  if (stateDir.warning !== undefined) process.stderr.write(`warning: ${stateDir.warning}\n`);
  if (result.config.web.configFile !== '') {
    const web = await loadWebConfig(result.config.web.configFile);
    if (!web.ok) reportInvalid(web);
  }
  // DSNs, URLs and headers may hold secrets: the effective config is printed with them redacted.
  process.stdout.write(stringify(redactConfig(result.config)));
}

function buildCli(): Command {
  const program = new Command('vigil').description('Node-resident observability and alerting agent').version(VERSION, '-V, --version').showHelpAfterError();
  addRunFlags(program.command('run').description('run the agent (works with no config: host collectors on, listening on 0.0.0.0:9464)')).action(run);
  addRunFlags(
    program
      .command('check-config')
      .argument('[file]', 'config file to check')
      .description('validate a config; print every error with its key path (exit 2) or the effective config (exit 0)'),
  ).action((file: string | undefined, flags: RunFlags) => checkConfig(file, flags));
  // Offline tools: loaded only when used, so `run` does not pay for them.
  program
    .command('train')
    .description('train the LSTM detector on a directory of series; write the ONNX model and its model card')
    .requiredOption('--data <dir>', 'training data (CSV files with timestamp,value, or the tuning data layout)')
    .requiredOption('--out <file>', 'ONNX model to write (the model card goes beside it)')
    .option('--seed <n>', 'random seed (same seed, same data → the same model, bit for bit)', '1')
    .option('--epochs <n>', 'training epochs')
    .action(async (opts: Record<string, string>) => exitWith(await (await import('../detectors/cli/train.ts')).trainCommand(opts)));
  program
    .command('detect')
    .description("score CSV series offline with exactly the daemon's scoring code")
    .requiredOption('--input <path>', 'a CSV file (timestamp,value) or a directory tree of them')
    .requiredOption('--output <dir>', 'where to write timestamp,value,anomaly_score,raw_score,anomaly files (same relative paths)')
    .option('--model <file>', 'ONNX model (default: the shipped model)')
    .action(async (opts: Record<string, string>) => exitWith(await (await import('../detectors/cli/detect.ts')).detectCommand(opts)));
  program
    .command('eval')
    .description('event-level precision, recall and F1 of the detector against labelled anomaly windows')
    .requiredOption('--input <path>', 'a CSV file or a directory tree of them')
    .requiredOption('--labels <file>', 'labelled anomaly windows')
    .option('--report <dir>', 'write an HTML report with one chart per series')
    .option('--threshold <score>', 'event threshold in [0,1] (default: detector.threshold)')
    .option('--model <file>', 'ONNX model (default: the shipped model)')
    .action(async (opts: Record<string, string>) => exitWith(await (await import('../detectors/cli/eval.ts')).evalCommand(opts)));
  program
    .command('check-rules')
    .argument('<files...>', 'Prometheus rule files')
    .description('validate rule files: every error with file, line, rule and reason (exit 2), else a summary (exit 0)')
    .action(async (files: string[]) => exitWith(await (await import('../alerts/cli/check-rules.ts')).checkRulesCommand(files)));
  return program;
}

/** Sets the exit status of an offline command (its output is already written). */
function exitWith(code: number): void {
  process.exitCode = code;
}

if (nodeExporterFlags.errors.length > 0) reportInvalid({ ok: false, errors: nodeExporterFlags.errors }, 'flag');
await buildCli().parseAsync([...process.argv.slice(0, 2), ...nodeExporterFlags.argv]);
