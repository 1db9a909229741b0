import type { RungLadder } from "./ladder";
import type { RunRecord } from "./store";

/**
 * The endgame. ASHA starts a new trial whenever no promotion is due, so
 * near the end of a budget the bottom rung takes every epoch while the
 * trials that would climb are still training a rung or two below; at small
 * budgets no trial reached the top rung at all. rungs therefore gives new
 * trials the bottom rung's share of the budget, 1/(number of rungs) of it,
 * as one bracket of synchronous successive halving would. Once that is
 * spent, promotions that ASHA's rule does not yet allow take the epochs
 * (Proposer.promoteInEndgame), and a worker with nothing worth training is
 * told "done" while others train.
 *
 * Departure from the paper, which has no budget and so no end.
 */

/** Whether new trials have had the bottom rung's share of the budget. */
export function bottomShareSpent(run: RunRecord, ladder: RungLadder): boolean {
  const share = run.settings.budget / (ladder.topRung + 1);
  return run.proposals * ladder.epochsAt(0) >= share;
}

/**
 * Whether any job below the top rung is still training. Every new trial is
 * a job on the bottom rung, every promotion out of a rung one on the next.
 */
export function trainingBelowTop(run: RunRecord, ladder: RungLadder): boolean {
  return ladder.epochs.some((_, rung) => {
    if (ladder.isTop(rung)) return false;
    const handedOut = rung === 0 ? run.proposals : (run.promoted[rung - 1] ?? 0);
    return handedOut > (run.completed[rung] ?? 0);
  });
}

/**
 * Whether a worker asking now, with no promotion to give it, should stop
 * rather than start a trial that could not climb: in the endgame, while
 * other jobs are out. Their results may earn promotions, and the worker
 * that brings each one in is the one that gets it.
 */
export function shouldWait(run: RunRecord, ladder: RungLadder): boolean {
  return bottomShareSpent(run, ladder) && run.reserved > run.spent;
}
