import { z } from "zod";
import type { JobResult } from "../../lib/engine";
import { InvalidInputError } from "../../lib/errors";
import { describeIssues } from "../../lib/validation";

/**
 * What the state machine sends the propose function. Only `start` carries
 * user input (checked in execution-input.ts); a bad event of another kind is
 * a wiring fault between the state machine and this function.
 */

const ACTIONS = '"start", "propose", "status", "finish"';

/** Reasons are kept short enough for one store item and one log line. */
const MAX_REASON_LENGTH = 2_000;

/** Run ids become key parts and S3 prefixes, so `#` and `/` are kept out. */
const runId = z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, {
  error: "must be 1 to 80 letters, digits, '.', '_' or '-', e.g. the execution name",
});

/**
 * A train result as a worker hands it back. A failure the state machine
 * caught may come without seconds, and with Step Functions' error and cause.
 * Other fields of the train function's output are ignored.
 */
const trainResult = z.object({
  trialId: z.string().min(1),
  rung: z.number().int().min(0),
  status: z.enum(["ok", "failed"]),
  score: z.number().optional(),
  reason: z.string().optional(),
  /** Wall-clock seconds. @default 0 */
  seconds: z.number().min(0).optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

const eventSchema = z.discriminatedUnion(
  "action",
  [
    /** Creates the run from the execution input `input`. */
    z.object({ action: z.literal("start"), runId, input: z.unknown().optional() }),
    /** Records `previous` (if any) and hands out the next job. */
    z.object({
      action: z.literal("propose"),
      runId,
      /** Unique per request; a retry sends the same one and gets the same answer. */
      requestId: z.string().min(1).max(512),
      previous: trainResult.nullable().optional(),
    }),
    /** Whether another round of workers could still be given jobs. */
    z.object({ action: z.literal("status"), runId }),
    /** Writes the run's summary. */
    z.object({ action: z.literal("finish"), runId }),
  ],
  { error: `must be an object whose action is one of ${ACTIONS}` },
);

export type ProposeFunctionEvent = z.output<typeof eventSchema>;
export type TrainResult = z.output<typeof trainResult>;

/** The event, or an InvalidInputError listing every problem with it. */
export function parseEvent(event: unknown): ProposeFunctionEvent {
  const parsed = eventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidInputError(
      "The propose function's event",
      describeIssues(parsed.error.issues),
    );
  }
  return parsed.data;
}

/** A worker's result as the engine records it. */
export function jobResult(result: TrainResult): JobResult {
  const reason = [result.reason, result.error, result.cause]
    .filter((part) => part !== undefined && part !== "")
    .join(": ")
    .slice(0, MAX_REASON_LENGTH);

  return {
    trialId: result.trialId,
    rung: result.rung,
    status: result.status,
    seconds: result.seconds ?? 0,
    ...(result.score === undefined ? {} : { score: result.score }),
    ...(reason === "" ? {} : { reason }),
  };
}
