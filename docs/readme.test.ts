// Keeps the README's configuration reference true: its YAML block is the code's defaults, and the
// log levels it lists are the ones the agent accepts.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../agent/config.ts';
import { LOG_LEVELS } from '../agent/logger.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('configuration reference block equals the embedded defaults', () => {
    const block = /## Configuration reference[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(parse(block![1]!)).toEqual(defaultConfig());
  });

  it('--log-level lists the levels the agent accepts', () => {
    const row = readme.split('\n').find((l) => l.startsWith('| `--log-level'));
    expect(row).toBeDefined();
    expect([...row!.split('|')[2]!.matchAll(/`(\w+)`/g)].map((m) => m[1])).toEqual(LOG_LEVELS);
  });
});
