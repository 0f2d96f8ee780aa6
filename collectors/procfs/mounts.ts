// /proc/<pid>/mounts: "device mountpoint fstype options dump pass", with octal escapes for
// space (\040), tab (\011), newline (\012) and backslash (\134) in the first two fields.

export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly options: readonly string[];
}

export interface MountTable {
  readonly mounts: MountEntry[];
  malformed: number;
}

export const unescapeMountField = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));

export function parseMounts(text: string): MountTable {
  const out: MountTable = { mounts: [], malformed: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(' ');
    // Mount points are absolute paths; anything else is not a mount table line.
    if (f.length < 4 || !f[1]!.startsWith('/') || f[2] === '') {
      out.malformed++;
      continue;
    }
    out.mounts.push({
      device: unescapeMountField(f[0]!),
      mountPoint: unescapeMountField(f[1]!),
      fsType: f[2]!,
      options: f[3]!.split(','),
    });
  }
  return out;
}
