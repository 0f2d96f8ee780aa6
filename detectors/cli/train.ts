// `vigil train --data DIR --out FILE [--seed N] [--epochs N]`: trains the LSTM, writes FILE (ONNX),
// FILE.card.md and FILE.card.json. Progress with ETA on stderr. Exit 0 on success, 2 on bad input.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { formatUserError, type UserError } from '../../core/errors.ts';
import { TRAINING } from '../lstm/hyperparameters.ts';
import { cardJson, cardMarkdown } from '../lstm/model-card.ts';
import { runTraining } from '../lstm/training-run.ts';

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < (flag === '--seed' ? 0 : 1))
    throw new Error(`${flag} must be a ${flag === '--seed' ? 'non-negative' : 'positive'} integer, got "${value}"`);
  return n;
}

const isUserError = (e: unknown): e is UserError & Error => e instanceof Error && typeof (e as Partial<UserError>).code === 'string' && 'where' in e;

export async function trainCommand(opts: Record<string, string>): Promise<number> {
  let seed: number;
  let epochs: number;
  try {
    seed = positiveInt(opts.seed, 1, '--seed');
    epochs = positiveInt(opts.epochs, TRAINING.epochs, '--epochs');
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const dataDir = opts.data ?? '';
  const out = opts.out ?? '';
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'training |{bar}| {percentage}% | batch {value}/{total} | loss {loss} | ETA {eta_formatted}',
      etaBuffer: 200,
      fps: 5,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
    },
    cliProgress.Presets.shades_classic,
  );
  let barStarted = false;
  try {
    const result = await runTraining(
      { dataDir, seed, epochs },
      {
        onData: (series, windows) => process.stderr.write(`${series} series, ${windows} training windows\n`),
        onBatch: (done, total, loss) => {
          if (!barStarted) {
            bar.start(total, 0, { loss: 'n/a' });
            barStarted = true;
          }
          bar.update(done, { loss: loss.toFixed(4) });
        },
        onEpoch: (e) => bar.update({ loss: `${e.trainLoss.toFixed(4)} (val ${e.validationLoss.toFixed(4)}, epoch ${e.epoch})` }),
      },
    );
    bar.stop();
    const sha256 = createHash('sha256').update(result.onnx).digest('hex');
    const facts = {
      report: result.report,
      sha256,
      bytes: result.onnx.length,
      modelFile: out,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      command: `vigil train --data ${dataDir} --out ${out} --seed ${seed} --epochs ${epochs}`,
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, result.onnx);
    await writeFile(`${out}.card.md`, cardMarkdown(facts));
    await writeFile(`${out}.card.json`, cardJson(facts));
    process.stderr.write(`wrote ${out} (${result.onnx.length} bytes, sha256 ${sha256}) and its model card\n`);
    return 0;
  } catch (e) {
    if (barStarted) bar.stop();
    if (isUserError(e)) {
      process.stderr.write(`${formatUserError(e)}\n`);
      return 2;
    }
    throw e;
  }
}
