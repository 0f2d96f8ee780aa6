// Placeholder: the command is being built (see the detector issue).
export async function evalCommand(_opts: Record<string, string>): Promise<number> {
  process.stderr.write('not available yet\n');
  return 1;
}
