import { randomUUID } from "node:crypto";
import {
  type Configuration,
  type Job,
  MemoryStore,
  Proposer,
  parseSettings,
  type RunRecord,
  type SearchStore,
  type SettingsInput,
  type TrialRecord,
} from "../../lib/engine";
import { DEFAULT_FASTTEXT_SPACE } from "../../lib/engine/fasttext-space";
import { Random } from "../../lib/engine/random";
import { toUnit } from "../../lib/engine/space";

/**
 * Drives the engine with N asynchronous workers in virtual time on a
 * synthetic objective whose optimum is known, so that properties of the
 * search can be checked quickly and exactly.
 */

/** Where the synthetic optimum lies, in the unit interval of each parameter. */
const OPTIMUM: Readonly<Record<string, number>> = {
  lr: 0.55,
  dim: 0.6,
  wordNgrams: 0.25,
  minCount: 0.1,
};

/**
 * Noise-free quality of a configuration, in (0, 1]: 1 at the optimum, falling
 * with squared distance over four parameters, and best with softmax loss.
 */
export function quality(config: Configuration): number {
  let distance = 0;
  for (const [name, target] of Object.entries(OPTIMUM)) {
    const parameter = DEFAULT_FASTTEXT_SPACE[name]!;
    if (parameter.type === "choice") continue;
    distance += (toUnit(parameter, Number(config[name])) - target) ** 2;
  }
  const lossFactor = config.loss === "softmax" ? 1 : 0.9;
  return lossFactor * Math.exp(-3 * distance);
}

/** Validation score after `job`: quality reached more fully with more epochs, plus noise. */
export function observedScore(job: Job, noise: Random): number {
  const learning = 1 - Math.exp(-job.epochs / 6);
  return quality(job.config) * learning + 0.01 * noise.gaussian();
}

export interface SimulationOptions {
  readonly settings: SettingsInput;
  readonly workers: number;
  /** Seeds the job durations and score noise (the engine has its own seed). */
  readonly worldSeed?: number;
  /** Share of jobs that fail (scored as the worst). @default 0 */
  readonly failureRate?: number;
  /**
   * Makes the store for the simulated run, given a run id unique to this
   * simulation, so that the same checks run on every store.
   * @default a new MemoryStore
   */
  readonly store?: (runId: string) => SearchStore;
}

export interface Promotion {
  readonly job: Job;
  /** Rank of the promoted record in its rung when it was promoted (1 = best). */
  readonly rank: number;
  /** Finished members of that rung at the time. */
  readonly finished: number;
  /** Its rank among the members of that rung not yet promoted (1 = best). */
  readonly rankAmongUnpromoted: number;
  /** Bottom-rung jobs handed out before it. */
  readonly newTrialsBefore: number;
  /** Jobs training at the time below the top rung. */
  readonly trainingBelowTop: number;
}

export interface Simulation {
  readonly jobs: readonly Job[];
  readonly promotions: readonly Promotion[];
  readonly records: readonly TrialRecord[];
  readonly run: RunRecord;
  readonly best: TrialRecord | undefined;
  /** Largest reserved total seen after any proposal. */
  readonly maxReserved: number;
  readonly store: SearchStore;
}

type Running = { finishesAt: number; worker: number; job: Job };

export async function simulate(options: SimulationOptions): Promise<Simulation> {
  const settings = parseSettings(options.settings);
  const runId = `simulation-${randomUUID()}`;
  const store = options.store?.(runId) ?? new MemoryStore();
  await store.createRun(runId, settings);
  const proposer = new Proposer(store, settings);
  const world = Random.fromSeed(options.worldSeed ?? 7);
  const jobs: Job[] = [];
  const promotions: Promotion[] = [];
  let maxReserved = 0;
  let running: Running[] = [];

  const ask = async (
    worker: number,
    now: number,
    iteration: number,
    previous?: TrialRecord,
  ) => {
    const request = {
      requestId: `w${worker}/${iteration}`,
      ...(previous ? { previous } : {}),
    };
    const proposal = await proposer.propose(request);
    maxReserved = Math.max(maxReserved, (await store.getRun())!.reserved);
    if (proposal.action === "done") return;

    const job = proposal.job;
    jobs.push(job);
    if (job.origin === "promotion" || job.origin === "endgame") {
      const below = running.filter((r) => !proposer.ladder.isTop(r.job.rung)).length;
      promotions.push({
        ...(await rankAtPromotion(store, job, jobs)),
        trainingBelowTop: below,
      });
    }
    const duration =
      job.epochs * (0.5 + Number(job.config.dim) / 300) * (0.5 + world.float());
    running.push({ finishesAt: now + duration, worker, job });
  };

  for (let worker = 0; worker < options.workers; worker++) await ask(worker, 0, 0);

  const iterations = new Map<number, number>();
  while (running.length > 0) {
    running.sort((a, b) => a.finishesAt - b.finishesAt || a.worker - b.worker);
    const next = running[0]!;
    running = running.slice(1);
    const failed = world.float() < (options.failureRate ?? 0);
    const result = {
      ...next.job,
      status: failed ? ("failed" as const) : ("ok" as const),
      seconds: next.finishesAt,
      ...(failed
        ? { reason: "simulated failure" }
        : { score: observedScore(next.job, world) }),
    };
    const iteration = (iterations.get(next.worker) ?? 0) + 1;
    iterations.set(next.worker, iteration);
    await ask(next.worker, next.finishesAt, iteration, result);
  }

  return {
    jobs,
    promotions,
    records: await store.finished(),
    run: (await store.getRun())!,
    best: await store.best(),
    maxReserved,
    store,
  };
}

/** Rank, among the finished members of the rung it left, of a trial just promoted. */
async function rankAtPromotion(
  store: SearchStore,
  job: Job,
  handedOut: readonly Job[],
): Promise<Omit<Promotion, "trainingBelowTop">> {
  const from = job.rung - 1;
  const members = (await store.finished()).filter((r) => r.rung === from);
  const own = members.find((r) => r.trialId === job.trialId)!;
  const better = members.filter((r) => (r.score ?? -1) > (own.score ?? -1));
  const promotedBefore = new Set(
    handedOut.filter((j) => j.rung === job.rung && j !== job).map((j) => j.trialId),
  );
  return {
    job,
    rank: 1 + better.length,
    rankAmongUnpromoted: 1 + better.filter((r) => !promotedBefore.has(r.trialId)).length,
    finished: members.length,
    newTrialsBefore: handedOut.filter((j) => j.rung === 0).length,
  };
}
