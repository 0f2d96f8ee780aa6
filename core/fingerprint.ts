// The identity of a label set (an alert's, a series'): its name=value pairs sorted by name, so that
// the same labels in any order give the same key.
import type { Labels } from './samples.ts';

export function fingerprint(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let out = '';
  for (const n of names) out += `${n}\u0000${labels[n]}\u0001`;
  return out;
}
