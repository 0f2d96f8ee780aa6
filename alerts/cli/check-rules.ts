// `vigil check-rules FILE…`: the same loading and checks as `vigil run`, without starting anything.
// Every error goes to stderr as "CODE file:line: rule: reason" (exit 2); otherwise a summary per file
// on stdout (exit 0), in the spirit of `promtool check rules`.
import { formatUserError } from '../../core/errors.ts';
import { defaultRuleEngine } from '../rules/engine-adapter.ts';
import { loadRuleFiles } from '../rules/load-rules.ts';

export async function checkRulesCommand(files: string[]): Promise<number> {
  const loaded = await loadRuleFiles(files, defaultRuleEngine.compile);
  if (loaded.errors.length > 0) {
    for (const e of loaded.errors) process.stderr.write(`${formatUserError(e)}\n`);
    process.stderr.write(`${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'} in the rule files\n`);
    return 2;
  }
  for (const file of loaded.files) {
    const groups = loaded.groups.filter((g) => g.file === file);
    const rules = groups.reduce((n, g) => n + g.rules.length, 0);
    process.stdout.write(`${file}: SUCCESS: ${groups.length} group${groups.length === 1 ? '' : 's'}, ${rules} rule${rules === 1 ? '' : 's'}\n`);
  }
  if (loaded.files.length === 0) process.stdout.write('no rule files matched\n');
  return 0;
}
