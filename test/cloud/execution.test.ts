/**
 * Runs the rendered definition with aws-local-stepfunctions, the Lambda
 * tasks bound to small in-test handlers that simulate a budget of jobs. This
 * pins down the state machine's own logic; the real handlers are bound in a
 * later test.
 */
import {
  type Json,
  type LocalHandler,
  localTaskHandlers,
  type RenderedDefinition,
} from "../../lib/cloud/definition";
import { type SynthesizedTuner, synthTuner } from "./synth";

// The package is an ES module whose CommonJS build jest loads; its types are
// declared for ESM only, hence the typed require.
// biome-ignore format: Biome cannot parse the trailing comma it would add.
type LocalStepFunctions = typeof import("aws-local-stepfunctions", { with: { "resolution-mode": "import" } });
type StateMachineDefinition = ConstructorParameters<
  LocalStepFunctions["StateMachine"]
>[0];
const { ExecutionError, StateMachine } =
  require("aws-local-stepfunctions") as LocalStepFunctions;

const EXECUTION = "nightly-42";

interface Result {
  readonly trialId: string;
  readonly rung: number;
  readonly status: "ok" | "failed";
  readonly score?: number;
  readonly reason?: string;
  readonly seconds: number;
}

interface ProposeCall {
  readonly requestId: string;
  readonly round: number;
  readonly slot: number;
  readonly iteration: number;
  readonly previous: Result | null;
  /** The job handed out, or undefined for "done". */
  readonly trialId?: string;
}

interface Simulation {
  readonly handlers: { readonly propose: LocalHandler; readonly train: LocalHandler };
  readonly proposals: ProposeCall[];
  readonly statuses: boolean[];
}

/** `<execution>:<round>/<slot>/<iteration>`, as the Round's workers build it. */
function parseRequestId(requestId: string) {
  const match = /^(.+):(\d+)\/(\d+)\/(\d+)$/.exec(requestId);
  if (!match) throw new Error(`unexpected requestId ${requestId}`);
  return {
    execution: match[1],
    round: +match[2]!,
    slot: +match[3]!,
    iteration: +match[4]!,
  };
}

/**
 * A proposer with a budget of `jobs` one-epoch jobs and a trainer that
 * scores them; training `failing` throws as if S3 were unreachable. Like the
 * real proposer, status reports budget left while jobs remain unreserved.
 */
function simulate(options: {
  jobs: number;
  workers: number;
  failing?: string;
  startError?: Error;
}): Simulation {
  const proposals: ProposeCall[] = [];
  const statuses: boolean[] = [];
  const reported = new Map<string, Result>();
  let issued = 0;

  const propose: LocalHandler = (input): Json => {
    const event = input as Record<string, Json>;
    switch (event.action) {
      case "start":
        if (options.startError) throw options.startError;
        return {
          runId: "run-1",
          workers: options.workers,
          slots: Array.from({ length: options.workers }, (_, i) => i + 1),
          dataset: { train: "datasets/train.txt", valid: "datasets/valid.txt" },
          metric: "precision",
          threads: null,
        };
      case "status":
        statuses.push(issued < options.jobs);
        return { budgetLeft: statuses.at(-1)! };
      case "finish":
        return {
          runId: "run-1",
          best: { config: { lr: 0.5 }, score: 0.9, epochs: 1, trialId: "t1" },
          epochsSpent: reported.size,
          budget: options.jobs,
          trials: reported.size,
          summaryKey: "runs/run-1/summary.json",
        };
    }

    const previous = event.previous as Result | null;
    if (previous) {
      if (reported.has(previous.trialId))
        throw new Error(`${previous.trialId} reported twice`);
      reported.set(previous.trialId, previous);
    }
    const trialId = issued < options.jobs ? `t${++issued}` : undefined;
    proposals.push({
      ...parseRequestId(event.requestId as string),
      requestId: event.requestId as string,
      previous,
      trialId,
    });
    return trialId
      ? {
          action: "train",
          job: { trialId, rung: 0, epochs: 1, config: { lr: 0.5 } },
          keepModel: false,
        }
      : { action: "done" };
  };

  const train: LocalHandler = async (input): Promise<Json> => {
    const job = (input as { job: { trialId: string; rung: number } }).job;
    if (job.trialId === options.failing) throw new Error("S3 unreachable");
    return { trialId: job.trialId, rung: job.rung, status: "ok", score: 0.5, seconds: 1 };
  };

  return { handlers: { propose, train }, proposals, statuses };
}

function run(
  simulation: Simulation,
  overrides: { retryIntervalOverrides?: Record<string, number> } = {},
) {
  const machine = new StateMachine(
    rendered.definition as unknown as StateMachineDefinition,
  );
  return machine.run(
    { dataset: { train: "datasets/train.txt", valid: "datasets/valid.txt" } },
    {
      context: { Execution: { Name: EXECUTION } },
      overrides: {
        ...overrides,
        taskResourceLocalHandlers: localTaskHandlers(rendered, {
          [synth.logicalId(synth.tuner.proposeFunction)]: simulation.handlers.propose,
          [synth.logicalId(synth.tuner.trainFunction)]: simulation.handlers.train,
        }),
      },
    },
  );
}

let synth: SynthesizedTuner;
let rendered: RenderedDefinition;

beforeAll(() => {
  synth = synthTuner({ maxIterationsPerChild: 3 });
  rendered = synth.render();
});

describe("GIVEN 48 jobs shared by 8 slots, a cap of 3 iterations per worker, and t7 failing to train", () => {
  let simulation: Simulation;
  let output: unknown;

  beforeAll(async () => {
    simulation = simulate({ jobs: 48, workers: 8, failing: "t7" });
    output = await run(simulation).result;
  });

  test("WHEN the run executes THEN every job is trained and its result reported exactly once", () => {
    const handedOut = simulation.proposals.flatMap((p) => (p.trialId ? [p.trialId] : []));
    const reported = simulation.proposals.flatMap((p) =>
      p.previous ? [p.previous.trialId] : [],
    );

    expect(handedOut).toHaveLength(48);
    expect(reported.sort()).toEqual(handedOut.sort());
  });

  test("WHEN the run executes THEN each worker loops until the proposer says done or it reaches the cap", () => {
    const rounds = new Set(simulation.proposals.map((p) => p.round));

    for (const round of rounds)
      for (let slot = 1; slot <= 8; slot++) {
        const calls = simulation.proposals.filter(
          (p) => p.round === round && p.slot === slot,
        );
        const iterations = calls.map((p) => p.iteration);
        const endedDone = calls.at(-1)?.trialId === undefined;

        expect(iterations).toEqual([...iterations.keys()]);
        expect(endedDone || iterations.length === 3).toBe(true);
      }
  });

  test("WHEN training throws THEN the next proposal of the same slot reports a failed result with the reason", () => {
    const handedOut = simulation.proposals.find((p) => p.trialId === "t7")!;
    const reporting = simulation.proposals.find((p) => p.previous?.trialId === "t7")!;

    expect(reporting.slot).toBe(handedOut.slot);
    expect(reporting.previous).toEqual({
      trialId: "t7",
      rung: 0,
      status: "failed",
      reason: "Error: S3 unreachable",
      seconds: 0,
    });
  });

  test("WHEN a worker reaches the iteration cap THEN it stops and the next round reports its last result", () => {
    const firstRound = simulation.proposals.filter((p) => p.round === 1);

    for (let slot = 1; slot <= 8; slot++) {
      const calls = firstRound.filter((p) => p.slot === slot);
      expect(calls.map((p) => p.iteration)).toEqual([0, 1, 2]);

      const resumed = simulation.proposals.find(
        (p) => p.round === 2 && p.slot === slot && p.iteration === 0,
      );
      expect(resumed?.previous?.trialId).toBe(calls[2]!.trialId);
    }
  });

  test("WHEN a round ends with budget left THEN the parent runs another round", () => {
    const rounds = [...new Set(simulation.proposals.map((p) => p.round))];

    expect(rounds).toEqual([1, 2, 3]);
    expect(simulation.statuses).toEqual([true, false, false]);
  });

  test("WHEN the budget is spent while workers carry results THEN a last round reports them and the run finishes", () => {
    const last = simulation.proposals.filter((p) => p.round === 3);

    expect(last).toHaveLength(8);
    for (const call of last) {
      expect(call.previous).not.toBeNull();
      expect(call.trialId).toBeUndefined();
    }
  });

  test("WHEN the run executes THEN every request id is unique and names the execution", () => {
    const ids = simulation.proposals.map((p) => p.requestId);

    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(parseRequestId(id).execution).toBe(EXECUTION);
  });

  test("WHEN the run finishes THEN the execution's output is Finish's summary", () => {
    expect(output).toEqual({
      runId: "run-1",
      best: { config: { lr: 0.5 }, score: 0.9, epochs: 1, trialId: "t1" },
      epochsSpent: 48,
      budget: 48,
      trials: 48,
      summaryKey: "runs/run-1/summary.json",
    });
  });
});

describe("GIVEN a proposer throttled once", () => {
  test("WHEN the run executes THEN Propose is retried and the run completes", async () => {
    const throttled = simulate({ jobs: 5, workers: 2 });
    let proposeCalls = 0;
    const propose = throttled.handlers.propose;
    const flaky = {
      ...throttled,
      handlers: {
        ...throttled.handlers,
        propose: (input: Json) => {
          if (
            (input as { action: string }).action === "propose" &&
            proposeCalls++ === 0
          ) {
            const error = new Error("Rate exceeded");
            error.name = "Lambda.TooManyRequestsException";
            throw error;
          }
          return propose(input);
        },
      },
    };

    const result = await run(flaky, { retryIntervalOverrides: { Propose: 0 } }).result;

    expect(proposeCalls).toBeGreaterThan(1);
    expect(result).toMatchObject({ trials: 5 });
  });
});

describe("GIVEN an execution input StartRun rejects", () => {
  test("WHEN the run executes THEN it fails in InvalidInput with the error's name and message", async () => {
    const invalid = new Error(
      "The execution input is not valid:\n  - budget: received -1",
    );
    invalid.name = "InvalidInputError";
    const execution = run(simulate({ jobs: 1, workers: 1, startError: invalid }));
    const entered: string[] = [];
    const logged = (async () => {
      for await (const event of execution.eventLogs)
        if (event.type === "StateEntered") entered.push(event.state.name);
    })();

    const error = await execution.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    await logged;

    expect(error).toBeInstanceOf(ExecutionError);
    expect((error as Error).cause).toMatchObject({
      name: "InvalidInputError",
      message: "The execution input is not valid:\n  - budget: received -1",
    });
    expect(entered).toEqual(["StartRun", "InvalidInput"]);
  });
});
