import { describe, expect, it } from 'vitest';
import { defaultConfig } from './config.ts';
import { restartOnlyChanges } from './reload.ts';

describe('restartOnlyChanges', () => {
  it('names the listen address, state directory and host paths, and nothing that applies live', () => {
    const running = defaultConfig();
    expect(restartOnlyChanges(running, { ...running, listen: '127.0.0.1:1' })).toEqual(['listen']);
    expect(restartOnlyChanges(running, { ...running, stateDir: '/x', paths: { ...running.paths, procfs: '/host/proc' } })).toEqual(['stateDir', 'paths']);
    expect(restartOnlyChanges(running, { ...running, interval: '1s', logLevel: 'debug', alerting: { ...running.alerting, ruleFiles: ['a.yml'] } })).toEqual([]);
  });
});
