import type { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { DynamoStore } from "../../lib/cloud/dynamo-store";
import {
  type Proposal,
  Proposer,
  type RunRecord,
  remainingEpochs,
} from "../../lib/engine";
import { InvalidInputError, RunNotFoundError } from "../../lib/errors";
import { unreadableDatasets } from "./datasets";
import { jobResult, type TrainResult } from "./events";
import {
  type ExecutionInput,
  type InputDefaults,
  parseExecutionInput,
} from "./execution-input";
import { rememberInput } from "./run-input";
import { type RunSummary, summarize, writeSummary } from "./summary";

/** What the actions need from the function's environment. */
export interface Services {
  readonly dynamo: DynamoDBClient;
  readonly s3: S3Client;
  /** The run table (`RUNGS_TABLE`). */
  readonly tableName: string;
  /** The bucket summaries are written to (`RUNGS_BUCKET`). */
  readonly bucket: string;
  readonly logger: Logger;
  /** What an execution input may leave out (RUNGS_DEFAULT_WORKERS, RUNGS_DEFAULT_BUDGET). */
  readonly defaults: InputDefaults;
}

/** What the state machine needs to run the workers of a started run. */
export interface StartedRun {
  readonly runId: string;
  readonly workers: number;
  /** One Distributed Map item per worker: 1..workers. */
  readonly slots: readonly number[];
  readonly dataset: ExecutionInput["dataset"];
  readonly metric: ExecutionInput["metric"];
  /** fastText threads per job, or null for the train function's own choice. */
  readonly threads: number | null;
}

/**
 * Checks the execution input and creates the run. Starting again with the
 * same input (a retried task) returns the same answer; starting an existing
 * run with another input is refused.
 */
export async function startRun(
  services: Services,
  runId: string,
  input: unknown,
): Promise<StartedRun> {
  const parsed = parseExecutionInput(input, services.defaults);
  const problems = await unreadableDatasets(services.s3, parsed.dataset);
  if (problems.length > 0) throw new InvalidInputError("The execution input", problems);

  await rememberInput(services.dynamo, services.tableName, runId, parsed);
  await storeFor(services, runId).createRun(runId, parsed.settings);

  services.logger.info("run started", {
    budget: parsed.settings.budget,
    workers: parsed.workers,
  });
  return {
    runId,
    workers: parsed.workers,
    slots: Array.from({ length: parsed.workers }, (_, i) => i + 1),
    dataset: parsed.dataset,
    metric: parsed.metric,
    // Always present, so the state machine can pass it on whether set or not.
    threads: parsed.threads ?? null,
  };
}

/** Records the worker's previous result, if any, and answers with its next job or "done". */
export async function proposeJob(
  services: Services,
  runId: string,
  requestId: string,
  previous: TrainResult | null | undefined,
): Promise<Proposal | (Proposal & { readonly keepModel: boolean })> {
  const proposer = await proposerFor(services, runId);
  const result = previous == null ? undefined : jobResult(previous);

  const proposal = await proposer.propose({
    requestId,
    ...(result === undefined ? {} : { previous: result }),
  });

  if (result !== undefined) services.logger.info("result reported", { ...result });
  if (proposal.action === "done") {
    services.logger.info("no job left");
    return proposal;
  }

  const { trialId, rung, epochs, origin } = proposal.job;
  services.logger.info("job proposed", { trialId, rung, epochs, origin });
  // Top-rung models are the ones a user may deploy; lower rungs' are never kept.
  return { ...proposal, keepModel: proposer.ladder.isTop(rung) };
}

/**
 * Whether unreserved epochs can still pay for a bottom-rung job, i.e. whether
 * another round of workers may be given work. Jobs still out when a round
 * ends are either carried by workers that hit their iteration cap, which the
 * next round reports, or lost with a failed worker. The endgame waits for
 * both alike (README, Limitations), so a lost job makes every later round
 * end at once until the round cap ends the run.
 */
export async function runStatus(
  services: Services,
  runId: string,
): Promise<{ budgetLeft: boolean }> {
  const run = await requireRun(storeFor(services, runId), runId);
  return { budgetLeft: remainingEpochs(run) >= run.settings.minEpochs };
}

/** Writes `runs/<runId>/summary.json` to the bucket and returns the summary. */
export async function finishRun(services: Services, runId: string): Promise<RunSummary> {
  const store = storeFor(services, runId);
  const run = await requireRun(store, runId);
  const [records, best] = await Promise.all([store.finished(), store.best()]);

  const summary = summarize(run, records, best);
  await writeSummary(services.s3, services.bucket, summary, run);

  services.logger.info("run finished", {
    score: summary.best?.score,
    trialId: summary.best?.trialId,
    trials: summary.trials,
    epochsSpent: summary.epochsSpent,
  });
  return summary;
}

/**
 * Proposers by run, kept while the container is warm: a run's settings never
 * change, so a warm proposal reads only the run's counters. The oldest run is
 * dropped past a few, as a container rarely serves more than one.
 */
const proposers = new Map<string, Proposer>();
const MAX_CACHED_RUNS = 16;

async function proposerFor(services: Services, runId: string): Promise<Proposer> {
  const cached = proposers.get(runId);
  if (cached !== undefined) return cached;

  const store = storeFor(services, runId);
  const run = await requireRun(store, runId);
  const proposer = new Proposer(store, run.settings);

  if (proposers.size >= MAX_CACHED_RUNS) {
    proposers.delete(proposers.keys().next().value!);
  }
  proposers.set(runId, proposer);
  return proposer;
}

function storeFor(services: Services, runId: string): DynamoStore {
  return new DynamoStore(services.dynamo, services.tableName, runId);
}

async function requireRun(store: DynamoStore, runId: string): Promise<RunRecord> {
  const run = await store.getRun();
  if (run === undefined) {
    throw new RunNotFoundError(
      `runId: no run "${runId}" in the table; start it first (action "start")`,
    );
  }
  return run;
}
