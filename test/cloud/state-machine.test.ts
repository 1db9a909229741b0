import {
  type AslDefinition,
  type AslState,
  type CfnTemplate,
  localTaskHandlers,
  MissingLocalHandlerError,
  type RenderedDefinition,
  renderDefinition,
  UnrenderableDefinitionError,
} from "../../lib/cloud/definition";
import { MAX_ITERATIONS_PER_CHILD, MAX_ROUNDS } from "../../lib/cloud/state-machine";
import { type SynthesizedTuner, synthTuner } from "./synth";

const TRANSIENT_LAMBDA_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

/** Every state at any depth, by name. */
function allStates(definition: AslDefinition): Record<string, AslState> {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    states[name] = state;
    if (state.ItemProcessor) Object.assign(states, allStates(state.ItemProcessor));
  }
  return states;
}

/** The states a state can move to next, on success, by choice or by catch. */
function successors(state: AslState): string[] {
  const choices = (state.Choices as { Next: string }[] | undefined) ?? [];
  const catches = (state.Catch as { Next: string }[] | undefined) ?? [];
  return [
    state.Next,
    state.Default,
    ...choices.map((c) => c.Next),
    ...catches.map((c) => c.Next),
  ].filter((next): next is string => typeof next === "string");
}

describe("GIVEN the rendered definition of a default Tuner", () => {
  let synth: SynthesizedTuner;
  let rendered: RenderedDefinition;
  let states: Record<string, AslState>;
  let worker: AslDefinition;
  const proposeArn = () =>
    `arn:aws:lambda:us-east-1:123456789012:function:${synth.logicalId(synth.tuner.proposeFunction)}`;

  beforeAll(() => {
    synth = synthTuner();
    rendered = synth.render();
    states = allStates(rendered.definition);
    worker = rendered.definition.States.Round!.ItemProcessor!;
  });

  test("WHEN read THEN StartRun comes first and hands propose the whole execution input, named by the execution", () => {
    expect(rendered.definition.StartAt).toBe("StartRun");
    expect(states.StartRun).toMatchObject({
      Type: "Task",
      Resource: proposeArn(),
      Parameters: { action: "start", "runId.$": "$$.Execution.Name", "input.$": "$" },
      Next: "Round",
    });
  });

  test("WHEN StartRun throws InvalidInputError THEN the InvalidInput Fail state reports its error and message", () => {
    expect(states.StartRun!.Catch).toEqual([
      { ErrorEquals: ["InvalidInputError"], Next: "InvalidInput" },
    ]);
    expect(states.InvalidInput).toEqual({
      Type: "Fail",
      ErrorPath: "$.Error",
      CausePath: "$.Cause",
    });
  });

  test("WHEN read THEN a round is a Distributed Map of STANDARD child executions over the run's slots", () => {
    expect(states.Round).toMatchObject({
      Type: "Map",
      ItemsPath: "$.items",
      MaxConcurrencyPath: "$.run.workers",
      ToleratedFailurePercentage: 25,
      ResultPath: "$.items",
      ItemProcessor: {
        ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
      },
    });
    expect(states.StartRun!.ResultSelector).toMatchObject({
      round: 1,
      "items.$": "$.slots",
    });
  });

  test("WHEN read THEN each worker's request ids name the execution, the round, the slot and the iteration", () => {
    expect(states.Round!.ItemSelector).toMatchObject({
      run: { "execution.$": "States.Format('{}:{}', $$.Execution.Name, $.round)" },
      "slot.$": "States.MathAdd($$.Map.Item.Index, 1)",
    });
    expect(states.Propose!.Parameters).toEqual({
      action: "propose",
      "runId.$": "$.run.runId",
      "requestId.$":
        "States.Format('{}/{}/{}', $.run.execution, $.slot, $.cursor.iteration)",
      "previous.$": "$.cursor.previous",
    });
  });

  test("WHEN read THEN the worker loops Propose, IsDone, Train, NextIteration, IterationCap and back to Propose", () => {
    expect(worker.StartAt).toBe("HasCarriedResult");
    expect(successors(states.HasCarriedResult!).sort()).toEqual([
      "ResumeCarried",
      "StartFresh",
    ]);
    expect(states.ResumeCarried!.Next).toBe("Propose");
    expect(states.StartFresh!.Next).toBe("Propose");
    expect(states.Propose!.Next).toBe("IsDone");
    expect(states.IsDone).toMatchObject({
      Choices: [{ Variable: "$.proposal.action", StringEquals: "done", Next: "Done" }],
      Default: "Train",
    });
    expect(states.Train!.Next).toBe("NextIteration");
    expect(states.NextIteration!.Next).toBe("IterationCap");
    expect(states.IterationCap!.Default).toBe("Propose");
    expect(states.Done).toEqual({ Type: "Succeed", OutputPath: "$.slot" });
  });

  test("WHEN a worker reaches the iteration cap THEN it succeeds with its cursor for the next round", () => {
    expect(states.IterationCap!.Choices).toEqual([
      {
        Variable: "$.cursor.iteration",
        NumericGreaterThanEquals: 500,
        Next: "CarryToNextRound",
      },
    ]);
    expect(states.CarryToNextRound).toEqual({ Type: "Succeed", OutputPath: "$.cursor" });
    expect(states.HasCarriedResult!.Choices).toEqual([
      { Variable: "$.carried.previous", IsPresent: true, Next: "ResumeCarried" },
    ]);
  });

  test("WHEN Train fails for any reason THEN TrainFailed turns the error into a failed result and the loop goes on", () => {
    expect(states.Train!.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "TrainFailed" },
    ]);
    expect(states.TrainFailed).toEqual({
      Type: "Pass",
      Parameters: {
        "trialId.$": "$.proposal.job.trialId",
        "rung.$": "$.proposal.job.rung",
        status: "failed",
        "reason.$": "States.Format('{}: {}', $.failure.Error, $.failure.Cause)",
        seconds: 0,
      },
      ResultPath: "$.cursor.previous",
      Next: "NextIteration",
    });
  });

  test.each(["StartRun", "Propose", "Train", "Status", "Finish"])(
    "WHEN %s's invocation hits a transient Lambda error THEN it is retried with jittered backoff",
    (name) => {
      expect(states[name]!.Retry).toEqual([
        {
          ErrorEquals: TRANSIENT_LAMBDA_ERRORS,
          IntervalSeconds: 2,
          BackoffRate: 2,
          MaxAttempts: 4,
          MaxDelaySeconds: 30,
          JitterStrategy: "FULL",
        },
      ]);
    },
  );

  test("WHEN a round ends THEN Status decides between another round and the last one", () => {
    expect(states.Round!.Next).toBe("Status");
    expect(states.Status).toMatchObject({
      Parameters: { action: "status", "runId.$": "$.run.runId" },
      ResultSelector: { "budgetLeft.$": "$.budgetLeft" },
      ResultPath: "$.status",
      Next: "BudgetLeft",
    });
    expect(states.BudgetLeft).toMatchObject({
      Choices: [
        { Variable: "$.last", IsPresent: true, Next: "Finish" },
        {
          And: [
            { Variable: "$.status.budgetLeft", BooleanEquals: true },
            { Variable: "$.round", NumericLessThan: 100 },
          ],
          Next: "NextRound",
        },
      ],
      Default: "LastRound",
    });
    expect(states.NextRound).toMatchObject({
      Parameters: { "round.$": "States.MathAdd($.round, 1)" },
      Next: "Round",
    });
    expect(states.LastRound).toMatchObject({
      Parameters: { "round.$": "States.MathAdd($.round, 1)", last: true },
      Next: "Round",
    });
  });

  test("WHEN the last round ends THEN Finish's summary is the execution's output", () => {
    expect(states.Finish).toMatchObject({
      Parameters: { action: "finish", "runId.$": "$.run.runId" },
      Next: "Finished",
    });
    expect(states.Finish!.ResultPath).toBeUndefined();
    expect(states.Finished).toEqual({ Type: "Succeed" });
  });

  test("WHEN a worker trains THEN Train gets the run, the job, the dataset, the metric and whether to keep the model", () => {
    expect(states.Train!.Parameters).toEqual({
      "runId.$": "$.run.runId",
      "job.$": "$.proposal.job",
      "dataset.$": "$.run.dataset",
      "metric.$": "$.run.metric",
      "threads.$": "$.run.threads",
      "keepModel.$": "$.proposal.keepModel",
    });
  });

  test("WHEN read THEN no state replaces its whole input with an explicit ResultPath of $", () => {
    for (const state of Object.values(states)) {
      expect(state.ResultPath).not.toBe("$");
      for (const c of (state.Catch as { ResultPath?: string }[] | undefined) ?? [])
        expect(c.ResultPath).not.toBe("$");
    }
  });

  test("WHEN read THEN every task's ARN names the function it calls", () => {
    const propose = synth.logicalId(synth.tuner.proposeFunction);
    const train = synth.logicalId(synth.tuner.trainFunction);

    expect(rendered.taskFunctions).toEqual({
      StartRun: propose,
      Propose: propose,
      Train: train,
      Status: propose,
      Finish: propose,
    });
  });

  test("WHEN a function has no local handler THEN binding the tasks fails before anything runs", () => {
    const propose = synth.logicalId(synth.tuner.proposeFunction);
    const train = synth.logicalId(synth.tuner.trainFunction);

    expect(() => localTaskHandlers(rendered, { [propose]: () => null })).toThrow(
      new MissingLocalHandlerError(
        `Task state Train invokes function ${train}, which has no local handler; pass one for each of: ${propose}, ${train}`,
      ),
    );
  });

  test("WHEN read THEN every task waits 30 s past its function's timeout", () => {
    expect(states.Propose!.TimeoutSeconds).toBe(60);
    expect(states.Train!.TimeoutSeconds).toBe(930);
  });
});

describe("GIVEN the 25,000-event history limit", () => {
  test("WHEN the worst case is counted THEN a worker fits 594 iterations and a run 923 rounds and its last", () => {
    expect(MAX_ITERATIONS_PER_CHILD).toBe(594);
    expect(MAX_ROUNDS).toBe(923);
  });
});

describe("GIVEN a template renderDefinition cannot resolve", () => {
  const machine = (definitionString: unknown): CfnTemplate => ({
    Resources: {
      Machine: {
        Type: "AWS::StepFunctions::StateMachine",
        Properties: { DefinitionString: definitionString },
      },
      Bucket: { Type: "AWS::S3::Bucket" },
    },
  });

  test("WHEN a definition references something other than a function's ARN THEN it says what it cannot render", () => {
    expect(() =>
      renderDefinition(
        machine({
          "Fn::Join": ["", ['{"a":"', { "Fn::GetAtt": ["Bucket", "Arn"] }, '"}']],
        }),
      ),
    ).toThrow(
      new UnrenderableDefinitionError(
        "Cannot render Fn::GetAtt Bucket.Arn (AWS::S3::Bucket): only Lambda function ARNs are supported",
      ),
    );
  });

  test("WHEN the template has no state machine THEN it says so", () => {
    expect(() => renderDefinition({ Resources: {} })).toThrow(
      "Expected one state machine; the template has none",
    );
  });

  test("WHEN a definition uses pseudo parameters THEN they become placeholders", () => {
    const rendered = renderDefinition(
      machine({
        "Fn::Join": [
          "",
          [
            '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"',
            { Ref: "AWS::Region" },
            '","End":true}}}',
          ],
        ],
      }),
    );

    expect(rendered.definition.States.A!.Result).toBe("us-east-1");
    expect(rendered.taskFunctions).toEqual({});
  });
});
