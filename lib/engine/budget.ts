import type { RunRecord } from "./store";

/**
 * The epoch budget. Departure from the paper, which runs until stopped: a run
 * here ends when its epochs are spent, since epochs are what a run costs.
 */

/** Epochs not yet handed out. */
export function remainingEpochs(run: RunRecord): number {
  return run.settings.budget - run.reserved;
}

/** Share of the budget handed out, in [0, 1]: the clock the evolution schedules run on. */
export function budgetProgress(run: RunRecord): number {
  return Math.min(1, run.reserved / run.settings.budget);
}

/** True once nothing is left to hand out and every job handed out has reported. */
export function isSpent(run: RunRecord, smallestJob: number): boolean {
  return remainingEpochs(run) < smallestJob && run.spent >= run.reserved;
}
