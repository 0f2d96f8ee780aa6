import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CollectorConfig, type Config, type ConfigResult, defaultConfig, envName, loadConfig, parseListen } from './config.ts';
import { ErrorCode, type UserError } from '../core/errors.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

function ok(r: ConfigResult): Config {
  if (!r.ok) throw new Error(`expected a valid config, got ${JSON.stringify(r.errors)}`);
  return r.config;
}
function errors(r: ConfigResult): UserError[] {
  if (r.ok) throw new Error('expected config errors, got a valid config');
  return r.errors;
}
/** One collector's section; the schema is built from the registry, so its type is only known at run time. */
const section = (config: Config, name: string): CollectorConfig => config.collectors[name] as CollectorConfig;
const at = (es: readonly UserError[]): Array<[string, string]> => es.map((e) => [e.where, e.code] as [string, string]).sort();

describe('loadConfig', () => {
  it('gives the embedded defaults when there is no file, environment or flag', async () => {
    const config = ok(await loadConfig({}));
    expect(config.listen).toBe('0.0.0.0:9464');
    expect(config.interval).toBe('10s');
    expect(config.collectorTimeout).toBe('5s');
    expect(config.logLevel).toBe('info');
    expect(config.paths).toEqual({ procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' });
    expect(section(config, 'filesystem').mountTimeout).toBe('2s');
    expect(section(config, 'cpu').enabled).toBe(true);
    expect(config).toEqual(defaultConfig());
  });

  it('gives the defaults for an empty file', async () => {
    expect(ok(await loadConfig({ file: fixture('empty.yml') }))).toEqual(defaultConfig());
  });

  it('reads a file over the defaults, keeping defaults for what it does not set', async () => {
    const config = ok(await loadConfig({ file: fixture('valid.yml') }));
    expect(config.listen).toBe('127.0.0.1:9100');
    expect(config.interval).toBe('30s');
    expect(config.logLevel).toBe('debug');
    expect(config.paths).toEqual({ procfs: '/host/proc', sysfs: '/sys', rootfs: '/host/root', udevData: '/run/udev/data' });
    expect(section(config, 'filesystem').mountTimeout).toBe('5s');
    expect(section(config, 'filesystem').enabled).toBe(true);
    expect(section(config, 'filesystem').fsTypesExclude).toBe(section(defaultConfig(), 'filesystem').fsTypesExclude);
    expect(section(config, 'netdev').deviceExclude).toBe('^veth');
    expect(section(config, 'pressure').enabled).toBe(false);
    expect(config.collectorTimeout).toBe('5s');
  });

  it('reports every error of a file at once, each with its dotted key path', async () => {
    const es = errors(await loadConfig({ file: fixture('several-errors.yml') }));
    expect(at(es)).toEqual(
      [
        'bogusTopLevel',
        'collectors.bogus',
        'collectors.cpu.enabled',
        'collectors.cpu.extra',
        'collectors.diskstats.deviceExclude',
        'collectors.filesystem.mountTimeout',
        'interval',
        'listen',
        'paths.procfs',
        'scrapeInterval',
      ].map((w) => [w, ErrorCode.CONFIG_INVALID]),
    );
    for (const e of es) expect(e.message.length).toBeGreaterThan(0);
  });

  it('places every registered component at its config key, with key paths into component options', async () => {
    const d = defaultConfig();
    expect(Object.keys(d)).toEqual(expect.arrayContaining(['postgres', 'detector', 'alerting', 'sinks']));
    expect(d.sinks.kafka.enabled).toBe(false);
    expect(d.alerting.alertmanagers).toEqual([]);
    expect(d.alerting.resendDelay).toBe('1m');
    const es = errors(
      await loadConfig({
        flags: {
          sinks: { kafka: { enabled: true } },
          alerting: { alertmanagers: [{ url: 'ftp://x' }] },
          postgres: { targets: [{ name: 'a', host: 'h', user: 'u', timeout: '9s' }] },
        },
      }),
    );
    expect(at(es).map(([w]) => w)).toEqual(['alerting.alertmanagers[0].url', 'sinks.kafka.brokers']);
    // The PostgreSQL collector's own check runs once the schema holds: its errors carry the full path.
    const pg = errors(await loadConfig({ flags: { postgres: { targets: [{ name: 'a', host: 'h', user: 'u', timeout: '9s', passwordEnv: 'NOPE' }] } } }));
    expect(at(pg)).toEqual([
      ['postgres.targets[0].passwordEnv', ErrorCode.CONFIG_INVALID],
      ['postgres.targets[0].timeout', ErrorCode.CONFIG_INVALID],
    ]);
  });

  it('reports a YAML syntax error as CONFIG_SYNTAX at file:line', async () => {
    const file = fixture('syntax-error.yml');
    expect(at(errors(await loadConfig({ file })))).toEqual([[`${file}:6`, ErrorCode.CONFIG_SYNTAX]]);
    const dup = fixture('duplicate-key.yml');
    expect(at(errors(await loadConfig({ file: dup })))).toEqual([[`${dup}:4`, ErrorCode.CONFIG_SYNTAX]]);
  });

  it('reports a file whose top level is not a mapping as CONFIG_SYNTAX', async () => {
    const file = fixture('not-a-mapping.yml');
    expect(errors(await loadConfig({ file })).map((e) => [e.code, e.where])).toEqual([[ErrorCode.CONFIG_SYNTAX, file]]);
  });

  it('reports a missing file as CONFIG_UNREADABLE', async () => {
    const file = fixture('does-not-exist.yml');
    expect(errors(await loadConfig({ file })).map((e) => [e.code, e.where])).toEqual([[ErrorCode.CONFIG_UNREADABLE, file]]);
  });

  describe('environment', () => {
    it('overrides listen, interval, logLevel, a collector switch and a host path', async () => {
      const config = ok(
        await loadConfig({
          env: {
            VIGIL_LISTEN: '127.0.0.1:19464',
            VIGIL_INTERVAL: '1m',
            VIGIL_LOG_LEVEL: 'warn',
            VIGIL_COLLECTORS__CPU__ENABLED: 'false',
            VIGIL_PATHS__PROCFS: '/host/proc',
          },
        }),
      );
      expect(config.listen).toBe('127.0.0.1:19464');
      expect(config.interval).toBe('1m');
      expect(config.logLevel).toBe('warn');
      expect(section(config, 'cpu').enabled).toBe(false);
      expect(section(config, 'meminfo').enabled).toBe(true);
      expect(config.paths.procfs).toBe('/host/proc');
      expect(config.paths.sysfs).toBe('/sys');
    });

    it('names nested camelCase keys in snake case with "__" between levels', async () => {
      expect(envName(['collectors', 'filesystem', 'mountTimeout'])).toBe('VIGIL_COLLECTORS__FILESYSTEM__MOUNT_TIMEOUT');
      expect(envName(['paths', 'udevData'])).toBe('VIGIL_PATHS__UDEV_DATA');
      const config = ok(await loadConfig({ env: { VIGIL_COLLECTORS__FILESYSTEM__MOUNT_TIMEOUT: '7s', VIGIL_PATHS__UDEV_DATA: '/host/run/udev/data' } }));
      expect(section(config, 'filesystem').mountTimeout).toBe('7s');
      expect(config.paths.udevData).toBe('/host/run/udev/data');
    });

    it('ignores unrelated VIGIL_* variables', async () => {
      const config = ok(
        await loadConfig({ env: { VIGIL_PG_PASSWORD: 's3cret-value', VIGIL_SOMETHING_ELSE: 'x', VIGIL_COLLECTORS__BOGUS__ENABLED: 'true', HOME: '/root' } }),
      );
      expect(config).toEqual(defaultConfig());
      expect(JSON.stringify(config)).not.toContain('s3cret-value');
    });

    it('reports a bad environment value at the key path it overrides', async () => {
      const es = errors(await loadConfig({ env: { VIGIL_INTERVAL: 'often', VIGIL_COLLECTORS__CPU__ENABLED: 'maybe', VIGIL_LISTEN: ':70000' } }));
      expect(at(es)).toEqual([
        ['collectors.cpu.enabled', ErrorCode.CONFIG_INVALID],
        ['interval', ErrorCode.CONFIG_INVALID],
        ['listen', ErrorCode.CONFIG_INVALID],
      ]);
    });
  });

  describe('precedence: defaults < file < environment < flags', () => {
    const file = fixture('valid.yml');
    const env = { VIGIL_INTERVAL: '20s', VIGIL_LOG_LEVEL: 'error' };
    const flags = { interval: '15s', collectors: { filesystem: { mountTimeout: '9s' } } };

    it('file over defaults', async () => {
      expect(ok(await loadConfig({ file })).interval).toBe('30s');
    });

    it('environment over file', async () => {
      const config = ok(await loadConfig({ file, env }));
      expect(config.interval).toBe('20s');
      expect(config.logLevel).toBe('error');
      expect(config.listen).toBe('127.0.0.1:9100');
    });

    it("flags over environment, and nested flags merge into the file's section", async () => {
      const config = ok(await loadConfig({ file, env, flags }));
      expect(config.interval).toBe('15s');
      expect(config.logLevel).toBe('error');
      expect(section(config, 'filesystem').mountTimeout).toBe('9s');
      expect(section(config, 'netdev').deviceExclude).toBe('^veth');
      expect(section(config, 'pressure').enabled).toBe(false);
    });

    it('flags are validated like everything else', async () => {
      expect(at(errors(await loadConfig({ flags: { interval: 'never', listen: 'nowhere' } })))).toEqual([
        ['interval', ErrorCode.CONFIG_INVALID],
        ['listen', ErrorCode.CONFIG_INVALID],
      ]);
    });
  });
});

describe('parseListen', () => {
  it('reads host:port, [v6]:port and :port', () => {
    expect(parseListen('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('127.0.0.1:9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseListen('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen('[::]:9464')).toEqual({ host: '::', port: 9464 });
    expect(parseListen(':9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('0.0.0.0:65535')).toEqual({ host: '0.0.0.0', port: 65535 });
  });

  it('rejects bad ports and malformed addresses', () => {
    for (const bad of [
      '0.0.0.0:65536',
      '0.0.0.0:99999',
      '0.0.0.0:123456',
      '0.0.0.0:-1',
      '0.0.0.0:http',
      '0.0.0.0:',
      '0.0.0.0',
      '9464',
      '::1:9464',
      '[::1]',
      '[not-an-ip]:9464',
      '[127.0.0.1]:9464',
      '',
    ]) {
      expect(parseListen(bad), bad).toBeUndefined();
    }
  });
});
