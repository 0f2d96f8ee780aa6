// Keeps the README true where it is written by hand: the log levels it lists are the ones the agent
// accepts. (Its configuration block is generated: test/generated.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_LEVELS } from '../agent/logger.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('--log-level lists the levels the agent accepts', () => {
    const row = readme.split('\n').find((l) => l.startsWith('| `--log-level'));
    expect(row).toBeDefined();
    expect([...row!.split('|')[2]!.matchAll(/`(\w+)`/g)].map((m) => m[1])).toEqual(LOG_LEVELS);
  });
});
