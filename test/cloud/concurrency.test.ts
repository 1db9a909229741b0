import "../support/silent-lambda-logs";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { handler } from "../../lambdas/propose";
import { dynamoClient, s3Client } from "../../lib/cloud/aws-clients";
import { DynamoStore } from "../../lib/cloud/dynamo-store";
import {
  type Job,
  type JobResult,
  type Proposal,
  Proposer,
  parseSettings,
  RungLadder,
  type SearchSettings,
} from "../../lib/engine";
import { type LocalDynamo, startDynalite } from "../support/dynalite";
import { type LocalS3, startS3rver } from "../support/s3rver";
import { quality } from "../support/simulator";

let dynamo: LocalDynamo;
let s3: LocalS3;

beforeAll(async () => {
  dynamo = await startDynalite();
  s3 = await startS3rver();
  process.env.RUNGS_TABLE = dynamo.tableName;
  process.env.RUNGS_BUCKET = s3.bucket;
  // What the Tuner's defaultWorkers and defaultBudget props set.
  process.env.RUNGS_DEFAULT_WORKERS = "3";
  process.env.RUNGS_DEFAULT_BUDGET = "7";
});

afterAll(async () => {
  await s3.close();
  await dynamo.close();
});

/** A deterministic score: the synthetic quality, reached more fully with more epochs. */
function scoreOf(job: Job): number {
  return quality(job.config) * (1 - Math.exp(-job.epochs / 6));
}

/** Every tenth configuration fails, on whichever rung it reaches. */
function resultOf(job: Job): JobResult {
  const fails = Number(job.trialId.slice(1)) % 10 === 0;
  return fails
    ? {
        trialId: job.trialId,
        rung: job.rung,
        status: "failed",
        reason: "NaN loss",
        seconds: 1,
      }
    : {
        trialId: job.trialId,
        rung: job.rung,
        status: "ok",
        score: scoreOf(job),
        seconds: 1,
      };
}

interface Workload {
  readonly jobs: Job[];
  readonly retries: number;
  readonly retriesAnsweredAlike: number;
}

/**
 * `workers` loops, each with its own store and proposer as a Lambda container
 * would have: propose, "train" for a moment, propose with the result, until
 * done. Every seventh request is sent twice, as a retried task would be.
 */
async function runWorkers(
  runId: string,
  settings: SearchSettings,
  workers: number,
): Promise<Workload> {
  const jobs: Job[] = [];
  let retries = 0;
  let retriesAnsweredAlike = 0;

  const worker = async (w: number) => {
    const proposer = new Proposer(
      new DynamoStore(dynamoClient(), dynamo.tableName, runId),
      settings,
    );
    let previous: JobResult | undefined;
    for (let iteration = 0; ; iteration++) {
      const request = {
        requestId: `w${w}/${iteration}`,
        ...(previous === undefined ? {} : { previous }),
      };
      const proposal = await proposer.propose(request);
      if (iteration % 7 === 3) {
        retries++;
        if (sameProposal(await proposer.propose(request), proposal))
          retriesAnsweredAlike++;
      }
      if (proposal.action === "done") return;

      jobs.push(proposal.job);
      await sleep((w * 7 + iteration) % 4);
      previous = resultOf(proposal.job);
    }
  };

  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return { jobs, retries, retriesAnsweredAlike };
}

function sameProposal(a: Proposal, b: Proposal): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

describe("64 concurrent proposers on one run", () => {
  it.each(["bounded", "exact"] as const)(
    "keep the budget, train each (trial, rung) once and answer retries alike (%s rule)",
    async (promotion) => {
      const runId = `concurrent-${promotion}-${randomUUID()}`;
      const settings = parseSettings({ budget: 500, seed: 11, promotion });
      const store = new DynamoStore(dynamoClient(), dynamo.tableName, runId);
      await store.createRun(runId, settings);

      const { jobs, retries, retriesAnsweredAlike } = await runWorkers(
        runId,
        settings,
        64,
      );

      const run = (await store.getRun())!;
      const handedOut = jobs.reduce((sum, job) => sum + job.epochs, 0);
      expect(run.reserved).toBe(settings.budget);
      expect(handedOut).toBe(settings.budget);
      expect(run.spent).toBe(handedOut);
      const keys = jobs.map((job) => `${job.trialId}@${job.rung}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(retries).toBeGreaterThan(0);
      expect(retriesAnsweredAlike).toBe(retries);
    },
  );

  it("promote by ASHA's quota of floor(n_k / eta) until the endgame, only successful trials from the rung below", async () => {
    const runId = `concurrent-promotions-${randomUUID()}`;
    const settings = parseSettings({ budget: 500, seed: 12 });
    const store = new DynamoStore(dynamoClient(), dynamo.tableName, runId);
    await store.createRun(runId, settings);

    const { jobs } = await runWorkers(runId, settings, 64);

    const run = (await store.getRun())!;
    const records = await store.finished();
    for (let rung = 0; rung < run.completed.length; rung++) {
      const promotions = jobs.filter((job) => job.rung === rung + 1);
      const byQuota = promotions.filter((job) => job.origin === "promotion");
      const quota = Math.floor(run.completed[rung]! / settings.eta);
      expect(byQuota.length).toBeLessThanOrEqual(quota);
      expect(run.promoted[rung] ?? 0).toBe(promotions.length);
      for (const promotion of promotions) {
        expect(
          records.some(
            (r) =>
              r.trialId === promotion.trialId && r.rung === rung && r.status === "ok",
          ),
        ).toBe(true);
      }
    }
    expect(jobs.some((job) => job.rung > 0)).toBe(true);

    // Promotions beyond the quota are the endgame's, which begins only once
    // new trials have had the bottom rung's share of the budget.
    const newTrials = jobs.filter((job) => job.rung === 0);
    const bottomShare = settings.budget / (RungLadder.of(settings).topRung + 1);
    const inEndgame = jobs.filter((job) => job.origin === "endgame");
    if (inEndgame.length > 0)
      expect(newTrials.length * settings.minEpochs).toBeGreaterThanOrEqual(bottomShare);
  });
});

describe("the propose Lambda handler", () => {
  let client: S3Client;
  const dataset = () => ({
    train: `s3://${s3.bucket}/data/train.txt`,
    valid: `s3://${s3.bucket}/data/valid.txt`,
  });

  beforeAll(async () => {
    client = s3Client();
    for (const key of ["data/train.txt", "data/valid.txt"]) {
      await client.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: key,
          Body: "__label__a some words\n",
        }),
      );
    }
  });

  afterAll(() => client.destroy());

  it("starts a run, proposes until done, reports status and writes the summary", async () => {
    const runId = `lambda-${randomUUID()}`;
    const input = { dataset: dataset(), budget: 8, workers: 2, seed: 3 };

    const started = await handler({ action: "start", runId, input });
    const restarted = await handler({ action: "start", runId, input });
    const before = await handler({ action: "status", runId });
    const jobs = await proposeUntilDone(runId);
    const after = await handler({ action: "status", runId });
    const summary = (await handler({ action: "finish", runId })) as Record<
      string,
      unknown
    >;

    expect(started).toEqual({
      runId,
      workers: 2,
      slots: [1, 2],
      dataset: dataset(),
      metric: "precision",
      threads: null,
    });
    expect(restarted).toEqual(started);
    expect(before).toEqual({ budgetLeft: true });
    expect(after).toEqual({ budgetLeft: false });
    expect(jobs.reduce((sum, job) => sum + job.epochs, 0)).toBe(8);
    expect(summary).toMatchObject({
      runId,
      budget: 8,
      epochsSpent: 8,
      epochsReserved: 8,
      failedTrials: 1,
      summaryKey: `runs/${runId}/summary.json`,
    });
    expect(summary.best).toMatchObject({
      trialId: expect.any(String),
      score: expect.any(Number),
    });
    const failure = (
      await new DynamoStore(dynamoClient(), dynamo.tableName, runId).finished()
    ).find((record) => record.status === "failed");
    expect(failure).toMatchObject({
      reason: "States.Timeout: train task timed out",
      seconds: 0,
    });
    const stored = await client.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: `runs/${runId}/summary.json` }),
    );
    expect(JSON.parse(await stored.Body!.transformToString())).toMatchObject(summary);
  });

  it("answers a retried propose request with the same job", async () => {
    const runId = `lambda-${randomUUID()}`;
    await handler({ action: "start", runId, input: { dataset: dataset(), budget: 5 } });
    const request = { action: "propose", runId, requestId: "exec:1/1/0", previous: null };

    const first = await handler(request);
    const retried = await handler(request);

    expect(retried).toEqual(first);
    expect(first).toMatchObject({ action: "train", job: { rung: 0, epochs: 1 } });
  });

  it("refuses a bad execution input with an InvalidInputError that lists every problem", async () => {
    const input = {
      dataset: { train: "/home/me/train.txt", valid: `s3://${s3.bucket}/data/valid.txt` },
      budget: 0,
      workers: 5000,
      metric: "f1",
      search: { eta: 1 },
    };

    const error = await handler({ action: "start", runId: "bad-input", input }).catch(
      (e: unknown) => e as Error,
    );

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("InvalidInputError");
    for (const field of ["dataset.train", "budget", "workers", "metric", "search.eta"]) {
      expect((error as Error).message).toContain(`  - ${field}: received`);
    }
  });

  it("refuses a dataset object that does not exist", async () => {
    const input = {
      dataset: { ...dataset(), test: `s3://${s3.bucket}/data/missing.txt` },
      budget: 10,
    };

    const error = await handler({ action: "start", runId: "no-test-set", input }).catch(
      (e: unknown) => e as Error,
    );

    expect((error as Error).name).toBe("InvalidInputError");
    expect((error as Error).message).toContain("dataset.test");
    expect((error as Error).message).toContain("no such object");
  });

  it("takes the deployment's default budget and worker count when the input leaves them out", async () => {
    const runId = `lambda-${randomUUID()}`;

    const started = await handler({
      action: "start",
      runId,
      input: { dataset: dataset() },
    });
    const jobs = await proposeUntilDone(runId);

    expect(started).toMatchObject({ workers: 3, slots: [1, 2, 3] });
    expect(jobs.reduce((sum, job) => sum + job.epochs, 0)).toBe(7);
  });

  it("refuses to restart an existing run with a different input", async () => {
    const runId = `lambda-${randomUUID()}`;
    await handler({ action: "start", runId, input: { dataset: dataset(), budget: 5 } });

    const error = await handler({
      action: "start",
      runId,
      input: { dataset: dataset(), budget: 6 },
    }).catch((e: unknown) => e as Error);

    expect((error as Error).name).toBe("RunMismatchError");
  });
});

/**
 * One worker through the handler. The second job fails the way the state
 * machine reports a caught error: no seconds, with error and cause.
 */
async function proposeUntilDone(runId: string): Promise<Job[]> {
  const jobs: Job[] = [];
  let previous: Record<string, unknown> | null = null;

  for (let iteration = 0; ; iteration++) {
    const proposal = (await handler({
      action: "propose",
      runId,
      requestId: `exec:1/1/${iteration}`,
      previous,
    })) as Proposal;
    if (proposal.action === "done") return jobs;

    const job = proposal.job;
    jobs.push(job);
    previous =
      iteration === 1
        ? {
            trialId: job.trialId,
            rung: job.rung,
            status: "failed",
            error: "States.Timeout",
            cause: "train task timed out",
          }
        : { ...resultOf(job), status: "ok", score: scoreOf(job) };
  }
}
