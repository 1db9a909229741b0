import { Logger } from "@aws-lambda-powertools/logger";
import { dynamoClient, s3Client } from "../../lib/cloud/aws-clients";
import { InvalidInputError, RungsError } from "../../lib/errors";
import { parseEvent } from "./events";
import { finishRun, proposeJob, runStatus, type Services, startRun } from "./runs";

/**
 * The propose function: the one door through which the state machine reaches
 * the engine. Four actions, chosen by `event.action`:
 *
 * - `start` `{runId, input}`: checks the execution input and creates the run;
 *   returns `{runId, workers, slots, dataset, metric, threads}`. Bad input
 *   throws an error named `InvalidInputError` that lists every problem.
 * - `propose` `{runId, requestId, previous}`: records `previous` (a train
 *   result, or null) and returns `{action: "train", job}` or `{action: "done"}`.
 * - `status` `{runId}`: returns `{budgetLeft}`.
 * - `finish` `{runId}`: writes `runs/<runId>/summary.json` and returns the summary.
 *
 * Environment: RUNGS_TABLE (the run table), RUNGS_BUCKET (summaries),
 * POWERTOOLS_LOG_LEVEL (log level, default INFO); AWS settings as usual.
 */

type LambdaContext = Parameters<Logger["addContext"]>[0];

/** One JSON object per line, with the run and request as keys. */
const logger = new Logger({ serviceName: "rungs-propose" });

/** Clients are made on the first call and kept while the container is warm. */
let services: Services | undefined;

export async function handler(event: unknown, context?: LambdaContext): Promise<unknown> {
  logger.resetKeys();
  if (context !== undefined) logger.addContext(context);

  try {
    return await act(event);
  } catch (error) {
    // Bad input is the caller's to fix; anything else is ours.
    if (error instanceof InvalidInputError) logger.warn("rejected", error);
    else logger.error("failed", error as Error);
    throw error;
  }
}

async function act(event: unknown): Promise<unknown> {
  const request = parseEvent(event);
  logger.appendKeys({ runId: request.runId, action: request.action });
  services ??= fromEnvironment(process.env);

  switch (request.action) {
    case "start":
      return startRun(services, request.runId, request.input);
    case "propose":
      logger.appendKeys({ requestId: request.requestId });
      return proposeJob(services, request.runId, request.requestId, request.previous);
    case "status":
      return runStatus(services, request.runId);
    case "finish":
      return finishRun(services, request.runId);
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv): Services {
  return {
    dynamo: dynamoClient(),
    s3: s3Client(),
    tableName: required(env, "RUNGS_TABLE", "the run table's name"),
    bucket: required(env, "RUNGS_BUCKET", "the bucket for run summaries"),
    logger,
    defaults: {
      ...optionalNumber(env, "RUNGS_DEFAULT_WORKERS", "workers"),
      ...optionalNumber(env, "RUNGS_DEFAULT_BUDGET", "budget"),
    },
  };
}

/** A default the deployment may set; unset or not a number means none. */
function optionalNumber(env: NodeJS.ProcessEnv, name: string, key: string) {
  const value = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(value) ? { [key]: value } : {};
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new RungsError(
      `${name}: not set; set it to ${what} (the Tuner construct does this)`,
    );
  }
  return value;
}
