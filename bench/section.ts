// The bench is a list of sections, each measuring one thing and returning its part of BENCHMARKS.md.
// Later sections (PostgreSQL, detector, Kafka) are appended to the list in run.ts; a section that
// fails is reported in its place and does not stop the others.
import type { VigilCommand } from './vigil-command.ts';

export interface BenchContext {
  /** Progress for whoever watches the run; goes to stderr so that stdout stays clean. */
  readonly log: (message: string) => void;
  /** The repository root. */
  readonly root: string;
  /** How to start Vigil (as `npm start` does), already built. */
  readonly vigil: VigilCommand;
}

export interface BenchSection {
  readonly title: string;
  /** Measures and returns the section's markdown body (without its heading). */
  run(ctx: BenchContext): Promise<string>;
}
