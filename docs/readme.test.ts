// Keeps the README's configuration reference true: its YAML block is the code's defaults.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../agent/config.ts';

describe('README', () => {
  it('configuration reference block equals the embedded defaults', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /## Configuration reference[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    expect(parse(block![1]!)).toEqual(defaultConfig());
  });
});
