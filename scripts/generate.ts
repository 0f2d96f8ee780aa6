// npm run generate: rewrites every generated file (scripts/generated-files.ts lists them) from the
// code it comes from. With --check it writes nothing and exits 1 naming the stale files.
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_FILES } from './generated-files.ts';

const check = process.argv.includes('--check');
const stale: string[] = [];
for (const f of GENERATED_FILES) {
  const url = new URL(`../${f.path}`, import.meta.url);
  const current = readFileSync(url, 'utf8');
  const next = f.render(current);
  if (next === current) continue;
  stale.push(f.path);
  if (!check) writeFileSync(url, next);
}
if (check && stale.length > 0) {
  console.error(`stale generated files (run npm run generate): ${stale.join(', ')}`);
  process.exit(1);
}
console.error(check ? 'generated files are up to date' : `wrote ${stale.length} file(s)${stale.length > 0 ? `: ${stale.join(', ')}` : ''}`);
