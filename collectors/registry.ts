// Every collector the agent knows, one line each. A plain list: importing it starts nothing.
import type { CollectorFactory } from './collector.ts';
import { cpuCollector } from './cpu/cpu.ts';
import { diskstatsCollector } from './diskstats/diskstats.ts';
import { filesystemCollector } from './filesystem/filesystem.ts';
import { loadavgCollector } from './loadavg/loadavg.ts';
import { meminfoCollector } from './meminfo/meminfo.ts';
import { netdevCollector } from './netdev/netdev.ts';
import { osCollector } from './os/os.ts';
import { pgbouncerCollector } from './pgbouncer/pgbouncer.ts';
import { pgreplicationCollector } from './pgreplication/pgreplication.ts';
import { pressureCollector } from './pressure/pressure.ts';
import { statCollector } from './stat/stat.ts';
import { textfileCollector } from './textfile/textfile.ts';
import { timeCollector } from './time/time.ts';
import { unameCollector } from './uname/uname.ts';

export const collectorList: readonly CollectorFactory<object>[] = [
  cpuCollector,
  statCollector,
  meminfoCollector,
  filesystemCollector,
  diskstatsCollector,
  netdevCollector,
  loadavgCollector,
  pressureCollector,
  unameCollector,
  osCollector,
  timeCollector,
  textfileCollector,
  pgreplicationCollector,
  pgbouncerCollector,
];
