// The progress bar of the offline commands, on stderr (stdout stays for results). Drawn only on a terminal.
import cliProgress from 'cli-progress';

export interface Progress {
  add(n: number, points: number): void;
  stop(): void;
}

export function progressBar(total: number, unit: string): Progress {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `{bar} {percentage}% | ETA {eta_formatted} | {value}/{total} ${unit} | {points} points`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { points: 0 });
  let points = 0;
  return {
    add(n, p) {
      points += p;
      bar.increment(n, { points });
    },
    stop: () => bar.stop(),
  };
}
