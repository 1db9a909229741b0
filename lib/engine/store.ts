import type { SearchSettings } from "./settings";
import type { Job, JobResult, TrialRecord } from "./trial";

/** What the proposer answered to one request: a job to run, or that the run is done. */
export type Proposal =
  | { readonly action: "train"; readonly job: Job }
  | { readonly action: "done" };

/** The run's counters, kept together on one record (one item in DynamoDB). */
export interface RunRecord {
  readonly runId: string;
  readonly settings: SearchSettings;
  /** Epochs handed out so far, including jobs still running. Never above settings.budget. */
  readonly reserved: number;
  /** Epochs of jobs that have reported back. */
  readonly spent: number;
  /** Proposals that drew randomness (the sequence that seeds each one). */
  readonly proposals: number;
  /** n_k: finished jobs per rung (failed ones included). */
  readonly completed: readonly number[];
  /** Configurations promoted out of each rung. */
  readonly promoted: readonly number[];
  readonly createdAt: string;
}

/**
 * The state of one run, behind operations that each touch a single record
 * and each succeed or fail as a whole (a conditional write in DynamoDB), so
 * any number of proposers may call them at once with no transactions.
 *
 * A failed condition is an answer (`false` or `undefined`), not an error:
 * it means another proposer got there first.
 */
export interface SearchStore {
  /** Creates the run, or returns the existing one with the same id unchanged. */
  createRun(runId: string, settings: SearchSettings): Promise<RunRecord>;

  getRun(): Promise<RunRecord | undefined>;

  /** Atomically increments and returns the proposal sequence number. */
  nextSequence(): Promise<number>;

  /** Adds `epochs` to `reserved` only if the total stays within the budget. */
  reserveEpochs(epochs: number): Promise<boolean>;

  /** Gives back epochs reserved for a job that was never handed out. */
  releaseEpochs(epochs: number): Promise<void>;

  /** The answer already given to `requestId`, so a retried request gets the same job. */
  findProposal(requestId: string): Promise<Proposal | undefined>;

  saveProposal(requestId: string, proposal: Proposal): Promise<void>;

  /** Records a job as running; false if that trial already has a job on that rung. */
  addJob(job: Job): Promise<boolean>;

  /**
   * Stores a result on its running job. Returns the finished record, or
   * undefined when the job is unknown or already has a result (a retry).
   */
  recordResult(result: JobResult): Promise<TrialRecord | undefined>;

  /**
   * Counts a finished job in its rung (n_k and spent epochs) and indexes it
   * by its position in the rung, for tournament draws.
   */
  countFinished(record: TrialRecord): Promise<void>;

  /** Reserves one of a rung's promotion slots if fewer than `quota` are taken. */
  claimPromotionSlot(rung: number, quota: number): Promise<boolean>;

  releasePromotionSlot(rung: number): Promise<void>;

  /** The best successful record on `rung` not yet promoted. */
  bestUnpromoted(rung: number): Promise<TrialRecord | undefined>;

  /** How many records on `rung` that were already promoted score above `score`. */
  countPromotedAbove(rung: number, score: number): Promise<number>;

  /** Marks a record promoted; false if someone else promoted it first. */
  markPromoted(trialId: string, rung: number): Promise<boolean>;

  /** The records at the given positions of a rung (in the order they finished). */
  membersAt(rung: number, positions: readonly number[]): Promise<TrialRecord[]>;

  /** Replaces the best record if `record` scores higher. */
  offerBest(record: TrialRecord): Promise<void>;

  best(): Promise<TrialRecord | undefined>;

  /** Every finished record, for reports; not used while proposing. */
  finished(): Promise<TrialRecord[]>;
}
