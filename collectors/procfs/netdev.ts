// /proc/net/dev: two header lines, then "  eth0: rx fields… tx fields…".

export const RECEIVE_FIELDS = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'frame', 'compressed', 'multicast'] as const;
export const TRANSMIT_FIELDS = ['bytes', 'packets', 'errs', 'drop', 'fifo', 'colls', 'carrier', 'compressed'] as const;

interface InterfaceCounters {
  readonly device: string;
  readonly receive: readonly number[];
  readonly transmit: readonly number[];
}

export interface NetDev {
  readonly interfaces: InterfaceCounters[];
  malformed: number;
}

export function parseNetDev(text: string): NetDev {
  const out: NetDev = { interfaces: [], malformed: 0 };
  for (const line of text.split('\n')) {
    // Device names may hold dots and dashes (eth0.100, br-1a2b); the counters never hold a colon.
    const colon = line.lastIndexOf(':');
    if (colon < 0) {
      // The two header lines hold '|'; any other line without a device is not /proc/net/dev text.
      if (line.trim() !== '' && !line.includes('|')) out.malformed++;
      continue;
    }
    const device = line.slice(0, colon).trim();
    const nums = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (device === '' || nums.length !== 16 || nums.some((n) => !Number.isFinite(n))) {
      out.malformed++;
      continue;
    }
    out.interfaces.push({ device, receive: nums.slice(0, 8), transmit: nums.slice(8, 16) });
  }
  return out;
}
