/**
 * What one tuning run of one method leaves behind, as written to
 * bench/results/quality/<set>/<method>-seed<n>.json and read back for the
 * table and the plot.
 */

/** The tuners compared, each at the same epoch budget (autotune: the same seconds). */
export const METHODS = ["rungs", "asha", "random", "optuna", "autotune"] as const;
export type Method = (typeof METHODS)[number];

/** The best validation score once `epochs` epochs had been trained and scored. */
export interface CurvePoint {
  readonly epochs: number;
  readonly seconds: number;
  readonly best: number;
}

/** One finished training of the search, in the order it finished. */
export interface JobLine {
  readonly trial: string;
  readonly rung: number;
  readonly epochs: number;
  /** Validation P@1; null when fastText failed. */
  readonly score: number | null;
  readonly seconds: number;
  /** Seconds from the start of the search until this job reported. */
  readonly finishedAt: number;
  readonly origin?: string;
}

/** The configuration a method chose: its best validation score at any rung. */
export interface Chosen {
  readonly trial: string;
  /** Options fastText trained with, lr decayed for the rung. */
  readonly config: Readonly<Record<string, number | string>>;
  readonly epochs: number;
  readonly validScore: number;
}

export interface RunOutcome {
  readonly method: Method;
  readonly set: string;
  readonly seed: number;
  /** Epochs the search could spend; null for autotune, which is given seconds. */
  readonly budget: number | null;
  /** Epochs the search trained, the final retrain left out. */
  readonly epochs: number;
  /** Epochs of a job cut short by a time limit (autotune only), not in `epochs`. */
  readonly epochsCutShort?: number;
  /** Wall-clock seconds of the search, the final retrain left out. */
  readonly searchSeconds: number;
  /** Wall-clock seconds of the search plus the retrain and the test score. */
  readonly totalSeconds: number;
  readonly chosen?: Chosen;
  /** Test P@1 of the chosen configuration retrained on train.txt. */
  readonly testScore?: number;
  /** Why there is no test score, when there is none. */
  readonly failure?: string;
  readonly curve: readonly CurvePoint[];
  readonly jobs: readonly JobLine[];
  /** Cores, memory, kernel and Node of the machine the run was made on. */
  readonly machine?: string;
}

/** The best-so-far curve of jobs listed in the order they finished. */
export function bestSoFar(jobs: readonly JobLine[]): CurvePoint[] {
  const curve: CurvePoint[] = [];
  let epochs = 0;
  let best = Number.NEGATIVE_INFINITY;
  for (const job of jobs) {
    epochs += job.epochs;
    if (job.score !== null && job.score > best) best = job.score;
    if (best > Number.NEGATIVE_INFINITY) {
      curve.push({ epochs, seconds: job.finishedAt, best });
    }
  }
  return curve;
}
