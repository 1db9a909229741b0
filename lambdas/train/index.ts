import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { s3Client } from "../../lib/cloud/aws-clients";
import { DatasetCache, parseS3Uri } from "../../lib/cloud/dataset-cache";
import { jobResultPrefix } from "../../lib/cloud/result-keys";
import type { JobResult } from "../../lib/engine";
import { InvalidInputError } from "../../lib/errors";
import { type TrainingResult, trainFastText } from "../../lib/trainer";
import { describeIssues } from "../../lib/validation";

/**
 * The train Lambda: one job in, one result out. Runs inside the container
 * image of docker/train, which carries the fastText binary.
 *
 * A training failure (NaN loss, out of memory, too slow) is returned as a
 * failed result so the worker loop goes on; only infrastructure problems
 * (S3 unreachable, a malformed event) throw.
 */

const logger = new Logger({ serviceName: "rungs-train" });
// Built on first use and kept while the container is warm.
let clients: { s3: S3Client; cache: DatasetCache } | undefined;
const aws = () => {
  clients ??= (() => {
    const s3 = s3Client();
    return { s3, cache: new DatasetCache(s3, join(tmpdir(), "rungs-datasets")) };
  })();
  return clients;
};

const s3Uri = z.string().regex(/^s3:\/\/[^/]+\/.+$/, "must be an s3://bucket/key URI");

const eventSchema = z.object({
  runId: z.string().min(1),
  job: z.object({
    trialId: z.string().min(1),
    rung: z.number().int().min(0),
    epochs: z.number().int().positive(),
    hyperparameters: z.record(z.string(), z.union([z.number(), z.string()])),
  }),
  dataset: z.object({ train: s3Uri, valid: s3Uri }),
  metric: z.enum(["precision", "recall"]).default("precision"),
  /** Null or absent: the function's vCPUs (RUNGS_THREADS). */
  threads: z.number().int().min(1).max(64).nullable().optional(),
  /** Upload the model (jobs on the top rung, whose models a user may want). */
  keepModel: z.boolean().default(false),
});

export type TrainEvent = z.input<typeof eventSchema>;

/** A job result, as the engine records it, plus what the job produced. */
export interface TrainResult extends JobResult {
  readonly epochs: number;
  readonly modelBytes?: number;
  readonly modelKey?: string;
}

/** Leaves the handler time to report a job that ran out of time as a failed trial. */
const REPORTING_MARGIN_MS = 20_000;

export async function handler(
  event: unknown,
  context?: { getRemainingTimeInMillis(): number },
): Promise<TrainResult> {
  const parsed = eventSchema.safeParse(event, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidInputError("The train event", describeIssues(parsed.error.issues));
  }
  const { runId, job, dataset, metric, threads, keepModel } = parsed.data;
  logger.appendKeys({ runId, trialId: job.trialId, rung: job.rung, epochs: job.epochs });

  const [trainFile, validationFile] = await Promise.all([
    aws().cache.localPath(dataset.train),
    aws().cache.localPath(dataset.valid),
  ]);
  const remaining = context?.getRemainingTimeInMillis();
  const result = await trainFastText({
    trainFile,
    validationFile,
    epochs: job.epochs,
    config: job.hyperparameters,
    metric,
    threads: threads ?? Number(process.env.RUNGS_THREADS ?? 1),
    keepModel,
    ...(remaining === undefined
      ? {}
      : { timeoutSeconds: (remaining - REPORTING_MARGIN_MS) / 1000 }),
  });

  const report = await publish(runId, job, result, dataset.train);
  logger.info("job finished", {
    status: report.status,
    score: report.score,
    seconds: report.seconds,
    reason: report.reason,
  });
  return report;
}

/** Writes the job's metrics (and a kept model) next to the run's other results. */
async function publish(
  runId: string,
  job: { trialId: string; rung: number },
  result: TrainingResult,
  trainUri: string,
): Promise<TrainResult> {
  const bucket = process.env.RUNGS_BUCKET ?? parseS3Uri(trainUri).bucket;
  const prefix = jobResultPrefix(runId, job.trialId, job.rung);
  const modelKey =
    result.status === "ok" && result.modelPath !== undefined
      ? await uploadModel(bucket, `${prefix}.bin`, result.modelPath, result.modelBytes)
      : undefined;

  const report: TrainResult = {
    trialId: job.trialId,
    rung: job.rung,
    status: result.status,
    seconds: result.seconds,
    epochs: result.epochs,
    ...(result.status === "ok"
      ? { score: result.score, modelBytes: result.modelBytes }
      : { reason: result.reason }),
    ...(modelKey === undefined ? {} : { modelKey }),
  };
  await aws().s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${prefix}.json`,
      Body: JSON.stringify({
        ...report,
        precision: pick(result, "precision"),
        recall: pick(result, "recall"),
      }),
      ContentType: "application/json",
    }),
  );
  return report;
}

/** Streams the model up (it can be gigabytes) and frees /tmp for the next job. */
async function uploadModel(bucket: string, key: string, path: string, bytes: number) {
  try {
    await aws().s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: bytes,
      }),
    );
    return key;
  } finally {
    await rm(path, { force: true });
  }
}

function pick(result: TrainingResult, key: "precision" | "recall"): number | undefined {
  return result.status === "ok" ? result[key] : undefined;
}
