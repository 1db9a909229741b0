/**
 * Where a run's results live in its bucket. The train function writes them;
 * the summary points at them.
 */

/** Prefix of one job's metrics (`.json`) and kept model (`.bin`). */
export function jobResultPrefix(runId: string, trialId: string, rung: number): string {
  return `runs/${runId}/trials/${trialId}-rung${rung}`;
}

export function summaryKey(runId: string): string {
  return `runs/${runId}/summary.json`;
}
