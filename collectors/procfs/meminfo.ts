// /proc/meminfo: "Field:   123 kB" lines, named the way node_exporter names them.

interface MeminfoField {
  /** node_exporter's metric name: node_memory_<Field>_bytes, or without _bytes for page counts. */
  readonly name: string;
  readonly value: number;
}

export interface Meminfo {
  readonly fields: MeminfoField[];
  malformed: number;
}

export function parseMeminfo(text: string): Meminfo {
  const out: Meminfo = { fields: [], malformed: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (m === null) {
      out.malformed++;
      continue;
    }
    // node_exporter: "Active(anon)" → "Active_anon"
    const field = m[1]!.replace('(', '_').replace(')', '');
    const raw = Number(m[2]);
    out.fields.push(m[3] === 'kB' ? { name: `node_memory_${field}_bytes`, value: raw * 1024 } : { name: `node_memory_${field}`, value: raw });
  }
  return out;
}
