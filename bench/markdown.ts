// Small formatting helpers shared by the sections: one number style across BENCHMARKS.md.

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Three significant digits: enough for figures that vary run to run by a few per cent. */
export const num = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(3)).toString() : 'n/a');

/** Decimal megabytes, the unit the RSS goal is stated in. */
export const mb = (bytes: number): string => `${num(bytes / 1e6)} MB`;

export const ms = (x: number): string => `${num(x)} ms`;

/** Fixed two decimals so ratios line up; whether a goal is met is decided on the unrounded value. */
export const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : 'n/a');

export const verdict = (met: boolean): string => (met ? 'yes' : '**no**');
