import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetDev } from './netdev.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('parseNetDev', () => {
  it("parses this host's /proc/net/dev, skipping the two header lines", () => {
    const dev = parseNetDev(fixture('netdev.this-host'));
    expect(dev.malformed).toBe(0);
    expect(dev.interfaces.map((i) => i.device)).toEqual(['lo', 'ifb0', 'ifb1', 'eth0']);
    const eth0 = dev.interfaces[3]!;
    expect(eth0.receive).toEqual([391893492, 11807, 0, 0, 0, 0, 0, 0]);
    expect(eth0.transmit).toEqual([901217, 7480, 0, 0, 0, 0, 0, 0]);
  });

  it('keeps dots and dashes in device names, and reads counters glued to the colon', () => {
    const dev = parseNetDev(fixture('netdev.vlan-bridge'));
    expect(dev.malformed).toBe(0);
    expect(dev.interfaces.map((i) => i.device)).toEqual(['lo', 'eth0.100', 'br-1a2b3c4d5e6f', 'veth1a-2b.3', 'eth1']);
    const vlan = dev.interfaces[1]!;
    expect(vlan.receive).toEqual([123456789, 1000, 1, 2, 3, 4, 5, 6]);
    expect(vlan.transmit).toEqual([987654321, 2000, 7, 8, 9, 10, 11, 12]);
    expect(dev.interfaces[3]!.receive[0]).toBe(9007199254740991);
    expect(dev.interfaces[4]!.receive.slice(0, 2)).toEqual([4294967296, 77]);
  });

  it('skips malformed lines, counts them, and keeps the rest', () => {
    const dev = parseNetDev(fixture('netdev.malformed'));
    // too few counters, no device name, a non-number, too many counters, a line that is no header and no device
    expect(dev.malformed).toBe(5);
    expect(dev.interfaces.map((i) => [i.device, i.receive[0], i.transmit[0]])).toEqual([
      ['lo', 1000, 1000],
      ['eth0', 500, 600],
    ]);
  });
});
