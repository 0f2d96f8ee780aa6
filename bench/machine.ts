// The machine a run was measured on: figures from different machines are not comparable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
  readonly nodeExporter: string;
}

function firstLine(command: string, args: string[]): string {
  try {
    // node_exporter prints its version to stderr in some builds, stdout in others.
    const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return out.split('\n')[0]!.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return (e.stderr ?? '').split('\n')[0]!.trim() || `unknown (${e.message.split('\n')[0]})`;
  }
}

export function describeMachine(nodeExporterCommand: string): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown';
  return {
    // The CPUs this process may use (what `nproc` prints), not the host's total.
    cpus: availableParallelism(),
    cpuModel: model,
    kernel: release(),
    node: process.version,
    nodeExporter: firstLine(nodeExporterCommand, ['--version']),
  };
}

export function machineMarkdown(m: Machine, date: Date): string {
  return [
    '| | |',
    '|---|---|',
    `| Date | ${date.toISOString()} |`,
    `| CPUs (nproc) | ${m.cpus} |`,
    `| CPU model | ${m.cpuModel} |`,
    `| Kernel | ${m.kernel} |`,
    `| Node.js (Vigil) | ${m.node} |`,
    `| node_exporter | ${m.nodeExporter} |`,
  ].join('\n');
}
