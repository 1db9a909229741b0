/**
 * The Step Functions definition of a tuning run.
 *
 * A run is a parent execution that starts the run, then runs rounds: each
 * round is a Distributed Map whose child executions are the workers. A worker
 * loops Propose -> Train -> Propose until the proposer says "done" or the
 * worker reaches its iteration cap; after each round the parent asks whether
 * budget is left and, if so, runs another round. A last round then lets the
 * workers that stopped at their cap report what they carry. State lives in
 * the store, so a new round picks up where the last one stopped.
 *
 * Every execution has a history of at most 25,000 events, which is why a
 * worker stops at an iteration cap and the parent at a round cap. The counts
 * used below (per state, from the Step Functions history):
 *
 *   Lambda task  5  entered, scheduled, started, succeeded|failed, exited
 *     + 3 per retry (failed, scheduled, started); at most 4 retries: 17
 *   Choice       2  entered, exited (Pass and Succeed likewise)
 *   Distributed Map  6  entered, started, MapRunStarted, MapRunSucceeded,
 *                       succeeded, exited (child events stay in the children)
 *
 * Worker, one iteration at worst (Train fails and both tasks retry 4 times):
 *   Propose 17 + IsDone 2 + Train 17 + TrainFailed 2 + NextIteration 2
 *   + IterationCap 2 = 42 events (16 when nothing is retried or fails).
 * Worker overhead: started 1 + HasCarriedResult 2 + StartFresh 2
 *   + the last Propose 17 + IsDone 2 + Done 2 + succeeded 1 = 27.
 *   So 27 + 42 n <= 25,000 gives n <= 594 iterations; the default of 500
 *   writes at most 21,027 events (about 8,000 in the usual case).
 * Parent, one round at worst: Round 6 + Status 17 + BudgetLeft 2
 *   + NextRound (or LastRound) 2 = 27 events; overhead: started 1
 *   + StartRun 17 + Finish 17 + Finished 2 + succeeded 1 = 38. With the
 *   last round on top of r rounds, 38 + 27 (r + 1) <= 25,000 gives r <= 923;
 *   the default of 100 writes at most 2,765 events.
 */

import { Duration } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";

/** Events one execution's history may hold. */
export const HISTORY_LIMIT = 25_000;

const TASK_EVENTS = 5;
const RETRY_EVENTS = 3;
const CHOICE_EVENTS = 2;
const PASS_EVENTS = 2;
const SUCCEED_EVENTS = 2;
const MAP_EVENTS = 6;
const EXECUTION_EVENTS = 2;

/**
 * Retries for errors of the Lambda service itself, not of the handler: the
 * invocation may not have run, so running it again is the fix. Jitter spreads
 * the retries of hundreds of workers throttled at the same moment.
 */
const TRANSIENT_LAMBDA_RETRY: sfn.RetryProps = {
  errors: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 4,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

const WORST_TASK_EVENTS =
  TASK_EVENTS + TRANSIENT_LAMBDA_RETRY.maxAttempts! * RETRY_EVENTS;

/** A worker iteration where Train fails and both tasks use every retry. */
const WORST_ITERATION_EVENTS =
  2 * WORST_TASK_EVENTS + 2 * CHOICE_EVENTS + 2 * PASS_EVENTS;

const WORKER_OVERHEAD_EVENTS =
  EXECUTION_EVENTS +
  CHOICE_EVENTS +
  PASS_EVENTS +
  WORST_TASK_EVENTS +
  CHOICE_EVENTS +
  SUCCEED_EVENTS;

const WORST_ROUND_EVENTS = MAP_EVENTS + WORST_TASK_EVENTS + CHOICE_EVENTS + PASS_EVENTS;

const PARENT_OVERHEAD_EVENTS =
  EXECUTION_EVENTS + 2 * WORST_TASK_EVENTS + SUCCEED_EVENTS + WORST_ROUND_EVENTS;

/** The most iterations a worker can run without outgrowing its history. */
export const MAX_ITERATIONS_PER_CHILD = Math.floor(
  (HISTORY_LIMIT - WORKER_OVERHEAD_EVENTS) / WORST_ITERATION_EVENTS,
);

/** The most rounds a run can have, besides its last, without outgrowing its history. */
export const MAX_ROUNDS = Math.floor(
  (HISTORY_LIMIT - PARENT_OVERHEAD_EVENTS) / WORST_ROUND_EVENTS,
);

/** What the definition needs from the construct that owns it. */
export interface TunerDefinitionProps {
  /** The function that starts runs, proposes jobs, reports status and finishes runs. */
  readonly propose: lambda.IFunction;
  /** The function that trains and scores one job. */
  readonly train: lambda.IFunction;
  /** A worker carries its last result to the next round after this many jobs. */
  readonly maxIterationsPerChild: number;
  /** After this many rounds the run's last round starts even if budget is left. */
  readonly maxRounds: number;
  /** Percentage of workers in a round that may fail before the run fails. */
  readonly toleratedFailurePercentage: number;
  /** The propose function's timeout; its tasks wait a little longer. */
  readonly proposeTimeout: Duration;
  /** The train function's timeout; its task waits a little longer. */
  readonly trainTimeout: Duration;
}

/**
 * Builds the states of a tuning run in a `States` construct under `parent`
 * and returns the first. State names are the ids given here, so tests and
 * local runners can bind handlers to them by name.
 */
export function tunerDefinition(
  parent: Construct,
  props: TunerDefinitionProps,
): sfn.IChainable {
  const scope = new Construct(parent, "States");
  const invoke = lambdaTask(scope);

  const startRun = invoke("StartRun", props.propose, props.proposeTimeout, {
    payload: {
      action: "start",
      // The execution's name is the run's id, so a retried StartRun finds
      // the run it already created instead of starting another.
      runId: sfn.JsonPath.executionName,
      input: sfn.JsonPath.entirePayload,
    },
    // The raw execution input is dropped here: from now on the store has it.
    resultSelector: {
      run: {
        runId: sfn.JsonPath.stringAt("$.runId"),
        workers: sfn.JsonPath.numberAt("$.workers"),
        dataset: sfn.JsonPath.objectAt("$.dataset"),
        metric: sfn.JsonPath.stringAt("$.metric"),
        threads: sfn.JsonPath.stringAt("$.threads"),
      },
      round: 1,
      items: sfn.JsonPath.listAt("$.slots"),
    },
  });
  // A non-object execution input would make any ResultPath fail, so the
  // error object becomes the whole state. In AWS the Cause is the Lambda
  // error document, whose errorMessage lists every problem with the input.
  startRun.addCatch(
    new sfn.Fail(scope, "InvalidInput", { errorPath: "$.Error", causePath: "$.Cause" }),
    { errors: ["InvalidInputError"] },
  );

  const round = new sfn.DistributedMap(scope, "Round", {
    itemsPath: "$.items",
    itemSelector: {
      run: {
        runId: sfn.JsonPath.stringAt("$.run.runId"),
        dataset: sfn.JsonPath.objectAt("$.run.dataset"),
        metric: sfn.JsonPath.stringAt("$.run.metric"),
        threads: sfn.JsonPath.stringAt("$.run.threads"),
        // Names the round's child executions in request ids. Execution names
        // cannot contain ':', so this part cannot collide across runs.
        execution: sfn.JsonPath.format(
          "{}:{}",
          sfn.JsonPath.executionName,
          sfn.JsonPath.stringAt("$.round"),
        ),
      },
      // A slot is the item's position + 1 in every round, so it matches the
      // numbers StartRun returns whatever shape the previous round left.
      slot: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt("$$.Map.Item.Index"), 1),
      carried: sfn.JsonPath.stringAt("$$.Map.Item.Value"),
    },
    maxConcurrencyPath: "$.run.workers",
    mapExecutionType: sfn.StateMachineType.STANDARD,
    // A worker fails only when Propose keeps failing: its job is lost and its
    // slot idles for the rest of the round, while the other workers go on. A
    // minority of failed workers is tolerated; a fault they all share (a bug,
    // a missing permission) exceeds the threshold and fails the run.
    toleratedFailurePercentage: props.toleratedFailurePercentage,
    // The workers' outputs are the next round's items.
    resultPath: "$.items",
  });
  round.itemProcessor(worker(scope, props, invoke));

  const status = invoke("Status", props.propose, props.proposeTimeout, {
    payload: { action: "status", runId: sfn.JsonPath.stringAt("$.run.runId") },
    resultSelector: { budgetLeft: sfn.JsonPath.stringAt("$.budgetLeft") },
    resultPath: "$.status",
  });

  const nextRound = new sfn.Pass(scope, "NextRound", {
    parameters: {
      run: sfn.JsonPath.objectAt("$.run"),
      round: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt("$.round"), 1),
      items: sfn.JsonPath.listAt("$.items"),
    },
  });
  // Workers that stopped at their cap carry a result no Propose has seen,
  // which Status cannot know of; one last round always follows to report
  // them. Its workers get "done" at once, unless the round cap cut a run
  // with budget left: then they train again, and what a worker carries out
  // of this round is lost.
  const lastRound = new sfn.Pass(scope, "LastRound", {
    parameters: {
      run: sfn.JsonPath.objectAt("$.run"),
      round: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt("$.round"), 1),
      items: sfn.JsonPath.listAt("$.items"),
      last: true,
    },
  });

  const finish = invoke("Finish", props.propose, props.proposeTimeout, {
    payload: { action: "finish", runId: sfn.JsonPath.stringAt("$.run.runId") },
  });

  return startRun
    .next(round)
    .next(status)
    .next(
      new sfn.Choice(scope, "BudgetLeft")
        .when(
          sfn.Condition.isPresent("$.last"),
          finish.next(new sfn.Succeed(scope, "Finished")),
        )
        .when(
          sfn.Condition.and(
            sfn.Condition.booleanEquals("$.status.budgetLeft", true),
            sfn.Condition.numberLessThan("$.round", props.maxRounds),
          ),
          nextRound.next(round),
        )
        .otherwise(lastRound.next(round)),
    );
}

type Invoke = ReturnType<typeof lambdaTask>;

/**
 * One worker: the loop a child execution runs. Its input is the Round's item
 * selection; its cursor is where it is in the loop (`iteration`) and the
 * result it has yet to report (`previous`). It ends either "done" (output:
 * its slot number, nothing to carry) or at the iteration cap (output: its
 * cursor, whose `previous` the next round hands to Propose so no result is
 * lost).
 */
function worker(
  scope: Construct,
  props: TunerDefinitionProps,
  invoke: Invoke,
): sfn.IChainable {
  const propose = invoke("Propose", props.propose, props.proposeTimeout, {
    payload: {
      action: "propose",
      runId: sfn.JsonPath.stringAt("$.run.runId"),
      requestId: sfn.JsonPath.format(
        "{}/{}/{}",
        sfn.JsonPath.stringAt("$.run.execution"),
        sfn.JsonPath.stringAt("$.slot"),
        sfn.JsonPath.stringAt("$.cursor.iteration"),
      ),
      previous: sfn.JsonPath.objectAt("$.cursor.previous"),
    },
    resultPath: "$.proposal",
  });

  const train = invoke("Train", props.train, props.trainTimeout, {
    payload: {
      runId: sfn.JsonPath.stringAt("$.run.runId"),
      job: sfn.JsonPath.objectAt("$.proposal.job"),
      dataset: sfn.JsonPath.objectAt("$.run.dataset"),
      metric: sfn.JsonPath.stringAt("$.run.metric"),
      threads: sfn.JsonPath.stringAt("$.run.threads"),
      keepModel: sfn.JsonPath.stringAt("$.proposal.keepModel"),
    },
    resultPath: "$.cursor.previous",
  });
  // A job that could not even run is a failed trial, not a failed worker:
  // the proposer records it and the worker asks for the next job.
  const trainFailed = new sfn.Pass(scope, "TrainFailed", {
    parameters: {
      trialId: sfn.JsonPath.stringAt("$.proposal.job.trialId"),
      rung: sfn.JsonPath.numberAt("$.proposal.job.rung"),
      status: "failed",
      reason: sfn.JsonPath.format(
        "{}: {}",
        sfn.JsonPath.stringAt("$.failure.Error"),
        sfn.JsonPath.stringAt("$.failure.Cause"),
      ),
      // The time spent before the failure is unknown; 0 keeps the result's shape.
      seconds: 0,
    },
    resultPath: "$.cursor.previous",
  });
  train.addCatch(trainFailed, { errors: [sfn.Errors.ALL], resultPath: "$.failure" });

  const nextIteration = new sfn.Pass(scope, "NextIteration", {
    parameters: {
      iteration: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt("$.cursor.iteration"), 1),
      previous: sfn.JsonPath.objectAt("$.cursor.previous"),
    },
    resultPath: "$.cursor",
  });

  // The cap is checked after Train, never between Propose and Train, so a
  // proposed job is never abandoned with its epochs reserved.
  const iterationCap = new sfn.Choice(scope, "IterationCap")
    .when(
      sfn.Condition.numberGreaterThanEquals(
        "$.cursor.iteration",
        props.maxIterationsPerChild,
      ),
      new sfn.Succeed(scope, "CarryToNextRound", { outputPath: "$.cursor" }),
    )
    .otherwise(propose);

  train.next(nextIteration);
  trainFailed.next(nextIteration);
  nextIteration.next(iterationCap);

  propose.next(
    new sfn.Choice(scope, "IsDone")
      .when(
        sfn.Condition.stringEquals("$.proposal.action", "done"),
        new sfn.Succeed(scope, "Done", { outputPath: "$.slot" }),
      )
      .otherwise(train),
  );

  // Round 1's items are slot numbers; later rounds' items are what the
  // workers output, and only a cursor carries a result. A Result, unlike
  // Parameters, can hold the null that Propose expects when there is none.
  return new sfn.Choice(scope, "HasCarriedResult")
    .when(
      sfn.Condition.isPresent("$.carried.previous"),
      new sfn.Pass(scope, "ResumeCarried", {
        parameters: {
          iteration: 0,
          previous: sfn.JsonPath.objectAt("$.carried.previous"),
        },
        resultPath: "$.cursor",
      }).next(propose),
    )
    .otherwise(
      new sfn.Pass(scope, "StartFresh", {
        result: sfn.Result.fromObject({ iteration: 0, previous: null }),
        resultPath: "$.cursor",
      }).next(propose),
    );
}

interface TaskOptions {
  readonly payload: Record<string, unknown>;
  readonly resultSelector?: Record<string, unknown>;
  readonly resultPath?: string;
}

/**
 * Lambda tasks that put only the handler's answer in the state: the task
 * calls the function ARN directly (payloadResponseOnly), so no invocation
 * metadata enters the state and a local runner can bind a handler as is.
 */
function lambdaTask(scope: Construct) {
  return (
    name: string,
    fn: lambda.IFunction,
    timeout: Duration,
    options: TaskOptions,
  ): tasks.LambdaInvoke => {
    const task = new tasks.LambdaInvoke(scope, name, {
      lambdaFunction: fn,
      payload: sfn.TaskInput.fromObject(options.payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultSelector: options.resultSelector,
      resultPath: options.resultPath,
      // A backstop past the function's own timeout, which ends a hung
      // handler first and reports why.
      taskTimeout: sfn.Timeout.duration(timeout.plus(Duration.seconds(30))),
    });
    task.addRetry(TRANSIENT_LAMBDA_RETRY);
    return task;
  };
}
