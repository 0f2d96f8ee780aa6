import { existsSync, readFileSync } from 'node:fs';

// Sources run from agent/, the build from dist/agent/: package.json is one or two levels up.
const candidates = [new URL('../package.json', import.meta.url), new URL('../../package.json', import.meta.url)];
const file = candidates.find((u) => existsSync(u) && (JSON.parse(readFileSync(u, 'utf8')) as { name?: string }).name === 'vigil');

/** The package version, read once from package.json. */
export const VERSION: string = file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '0.0.0-unknown';
