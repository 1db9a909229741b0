import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { jobResultPrefix, summaryKey } from "../../lib/cloud/result-keys";
import {
  type Configuration,
  RungLadder,
  type RunRecord,
  type TrialRecord,
} from "../../lib/engine";

/** The best configuration a run found, and where. */
export interface BestTrial {
  readonly trialId: string;
  /** The rung it scored best on. */
  readonly rung: number;
  /** Epochs it trained for on that rung. */
  readonly epochs: number;
  /** Options fastText trained with on that rung (lr decayed), to reproduce the model. */
  readonly config: Configuration;
  /** Validation score (the run's metric), higher is better. */
  readonly score: number;
  /** The model in the run bucket; only top-rung models are kept. */
  readonly modelKey?: string;
}

/** What a finished run reports, and what `runs/<runId>/summary.json` holds. */
export interface RunSummary {
  readonly runId: string;
  /** Null when no job of the run succeeded. */
  readonly best: BestTrial | null;
  /** Epochs the run was allowed. */
  readonly budget: number;
  /** Epochs of the jobs that reported back. */
  readonly epochsSpent: number;
  /** Epochs handed out, including jobs that never reported back. */
  readonly epochsReserved: number;
  /** Configurations with at least one finished job. */
  readonly trials: number;
  /** Finished jobs: a configuration has one per rung it reached. */
  readonly jobs: number;
  /** Configurations with at least one failed job. */
  readonly failedTrials: number;
  /** Key of the summary object in the run bucket. */
  readonly summaryKey: string;
}

/**
 * Epochs spent are summed from the records rather than read from the run's
 * counter, which a proposal cut short between its writes leaves behind.
 */
export function summarize(
  run: RunRecord,
  records: readonly TrialRecord[],
  best: TrialRecord | undefined,
): RunSummary {
  const failed = records.filter((r) => r.status === "failed");

  return {
    runId: run.runId,
    best:
      best === undefined
        ? null
        : {
            trialId: best.trialId,
            rung: best.rung,
            epochs: best.epochs,
            config: best.hyperparameters,
            score: best.score!,
            ...(isTopRung(run, best.rung)
              ? { modelKey: `${jobResultPrefix(run.runId, best.trialId, best.rung)}.bin` }
              : {}),
          },
    budget: run.settings.budget,
    epochsSpent: records.reduce((sum, r) => sum + r.epochs, 0),
    epochsReserved: run.reserved,
    trials: new Set(records.map((r) => r.trialId)).size,
    jobs: records.length,
    failedTrials: new Set(failed.map((r) => r.trialId)).size,
    summaryKey: summaryKey(run.runId),
  };
}

function isTopRung(run: RunRecord, rung: number): boolean {
  return RungLadder.of(run.settings).isTop(rung);
}

/** Writes the summary, with the settings the run searched with, as JSON. */
export async function writeSummary(
  s3: S3Client,
  bucket: string,
  summary: RunSummary,
  run: RunRecord,
): Promise<void> {
  const body = { ...summary, settings: run.settings, createdAt: run.createdAt };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: summary.summaryKey,
      Body: JSON.stringify(body, null, 2),
      ContentType: "application/json",
    }),
  );
}
