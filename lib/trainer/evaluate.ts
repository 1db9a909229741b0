import { EvaluationFailedError } from "./errors";
import { failureReason, fastTextBinary, runFastText } from "./run";
import { parseTestOutput, type Scores } from "./scores";
import { trialStop } from "./stop";

/** Scores, or why there are none. */
export type TestOutcome =
  | { readonly ok: true; readonly scores: Scores }
  | { readonly ok: false; readonly reason: string };

/** Runs `fasttext test MODEL FILE 1` and reads its scores at k = 1. */
export async function testModel(
  binary: string,
  modelPath: string,
  file: string,
  stop: AbortSignal,
): Promise<TestOutcome> {
  const run = await runFastText(binary, ["test", modelPath, file, "1"], stop);
  const failure = failureReason(run, binary);
  if (failure !== undefined) return { ok: false, reason: `fasttext test: ${failure}` };

  const scores = parseTestOutput(run.stdout);
  if (scores === undefined) {
    const raw = JSON.stringify(run.stdout.trim().slice(0, 500));
    return {
      ok: false,
      reason: `cannot read scores for ${file} from fasttext test output ${raw}; "N 0" there means the file has no labelled lines`,
    };
  }
  return { ok: true, scores };
}

/** How to run an evaluation. */
export interface EvaluationOptions {
  /**
   * fastText executable.
   * @default env RUNGS_FASTTEXT, else `fasttext` on PATH
   */
  readonly binary?: string;
  /** Give up after this many seconds. @default no limit */
  readonly timeoutSeconds?: number;
  /** Kills fastText when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Scores a saved model on a labelled file at k = 1, e.g. the best model of a
 * run on the held-out test file.
 *
 * @throws EvaluationFailedError when fastText fails or prints no scores.
 */
export async function evaluate(
  modelPath: string,
  file: string,
  options: EvaluationOptions = {},
): Promise<Scores> {
  const binary = fastTextBinary(options.binary);
  const stop = trialStop(options.timeoutSeconds, options.signal);
  try {
    const outcome = await testModel(binary, modelPath, file, stop.signal);
    if (!outcome.ok) {
      throw new EvaluationFailedError(
        `Cannot score model ${modelPath} on ${file}: ${outcome.reason}`,
      );
    }
    return outcome.scores;
  } finally {
    stop.release();
  }
}
