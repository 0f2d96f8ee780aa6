// Placeholder: the command is being built (see the alerting issue).
export async function checkRulesCommand(_files: string[]): Promise<number> {
  process.stderr.write('not available yet\n');
  return 1;
}
