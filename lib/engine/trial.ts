/**
 * The vocabulary shared by every part of rungs: a configuration, a job handed
 * to a worker, and the result a worker hands back.
 */

/** One value per hyperparameter, keyed by the fastText option name (e.g. `lr`, `dim`). */
export type Configuration = Readonly<Record<string, number | string>>;

/**
 * Where a bottom-rung configuration came from, or how it was promoted:
 * "promotion" by ASHA's top-1/eta rule, "endgame" as the best left on its
 * rung once the bottom rung has had its share of the budget.
 */
export type Origin = "random" | "mutation" | "promotion" | "endgame";

/** A unit of work: train `config` for `epochs` epochs from scratch and score it. */
export interface Job {
  /** Stable id of the configuration across rungs, e.g. `t000042`. */
  readonly trialId: string;
  /** Rung index k, 0 at the bottom. */
  readonly rung: number;
  /** Epochs to train: r * eta^k (the rung's resource). */
  readonly epochs: number;
  /** The configuration as sampled: the same on every rung the trial reaches. */
  readonly config: Configuration;
  /** What fastText trains with on this rung: `config` with `lr` decayed. */
  readonly hyperparameters: Configuration;
  readonly origin: Origin;
  /** The tournament winner this trial mutated (origin "mutation" only). */
  readonly parentId?: string;
  /** The proposal request that created this job. */
  readonly requestId: string;
}

/** What a worker reports after running a job. */
export interface JobResult {
  readonly trialId: string;
  readonly rung: number;
  readonly status: "ok" | "failed";
  /** Validation score, higher is better; absent when the job failed. */
  readonly score?: number;
  /** Why the job failed (non-zero exit, timeout, NaN loss, ...). */
  readonly reason?: string;
  /** Wall-clock seconds the job took. */
  readonly seconds: number;
}

/** A finished job as the store keeps it. */
export interface TrialRecord extends Job {
  readonly status: "ok" | "failed";
  readonly score?: number;
  readonly reason?: string;
  readonly seconds: number;
}

/** Scores of failed jobs rank below every real score. */
export function rankingScore(record: { status: string; score?: number }): number {
  return record.status === "ok" &&
    record.score !== undefined &&
    Number.isFinite(record.score)
    ? record.score
    : Number.NEGATIVE_INFINITY;
}
