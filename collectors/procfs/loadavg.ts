// /proc/loadavg: "0.52 0.58 0.59 2/345 12345"

export function parseLoadavg(text: string): [number, number, number] | undefined {
  const f = text.trim().split(/\s+/).slice(0, 3).map(Number);
  if (f.length < 3 || f.some((n) => !Number.isFinite(n))) return undefined;
  return [f[0]!, f[1]!, f[2]!];
}
