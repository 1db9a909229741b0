import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { dynamoClient } from "../../lib/cloud/aws-clients";
import { DynamoStore } from "../../lib/cloud/dynamo-store";
import { rankingKey } from "../../lib/cloud/ranking-key";
import {
  isBetter,
  type Job,
  parseSettings,
  type SettingsInput,
  type TrialRecord,
} from "../../lib/engine";
import { RunMismatchError } from "../../lib/errors";
import { type LocalDynamo, startDynalite } from "../support/dynalite";
import { expectLawfulPromotions, scenarioOptions, scenarios } from "../support/scenarios";
import { type Simulation, simulate } from "../support/simulator";

let dynamo: LocalDynamo;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  client = dynamoClient();
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

/** A store on a run of its own, so tests share the table but not their data. */
function storeForNewRun(): DynamoStore {
  return new DynamoStore(client, dynamo.tableName, `run-${randomUUID()}`);
}

async function createdStore(settings: Partial<SettingsInput> = {}): Promise<DynamoStore> {
  const store = storeForNewRun();
  await store.createRun(store.runId, parseSettings({ budget: 100, ...settings }));
  return store;
}

function job(trialId: string, rung = 0): Job {
  return {
    trialId,
    rung,
    epochs: 3 ** rung,
    config: { lr: 0.1, dim: 50 },
    hyperparameters: { lr: 0.1, dim: 50 },
    origin: rung === 0 ? "random" : "promotion",
    requestId: `request-${trialId}-${rung}`,
  };
}

/** Adds a job, reports it finished and counts it, as the proposer does. */
async function finish(
  store: DynamoStore,
  trialId: string,
  score: number | undefined,
  rung = 0,
): Promise<TrialRecord> {
  await store.addJob(job(trialId, rung));
  const record = await store.recordResult({
    trialId,
    rung,
    seconds: 2,
    ...(score === undefined
      ? { status: "failed", reason: "NaN loss" }
      : { status: "ok", score }),
  });
  await store.countFinished(record!);
  return record!;
}

describe("DynamoStore", () => {
  it("creates a run once and returns the existing run unchanged when asked again", async () => {
    const store = storeForNewRun();

    const created = await store.createRun(store.runId, parseSettings({ budget: 10 }));
    const again = await store.createRun(store.runId, parseSettings({ budget: 99 }));

    expect(created).toMatchObject({ runId: store.runId, reserved: 0, spent: 0 });
    expect(again).toEqual(created);
  });

  it("refuses to create a run under another run's id", async () => {
    const store = storeForNewRun();

    await expect(
      store.createRun("someone-else", parseSettings({ budget: 10 })),
    ).rejects.toThrow(RunMismatchError);
  });

  it("reserves epochs only while the budget covers them, and takes released ones back", async () => {
    const store = await createdStore({ budget: 10 });

    const answers = [
      await store.reserveEpochs(6),
      await store.reserveEpochs(5),
      await store.reserveEpochs(4),
    ];
    await store.releaseEpochs(4);

    expect(answers).toEqual([true, false, true]);
    expect((await store.getRun())!.reserved).toBe(6);
  });

  it("never reserves past the budget when many proposers reserve at once", async () => {
    const store = await createdStore({ budget: 25 });

    const answers = await Promise.all(
      Array.from({ length: 40 }, () => store.reserveEpochs(1)),
    );

    expect(answers.filter(Boolean)).toHaveLength(25);
    expect((await store.getRun())!.reserved).toBe(25);
  });

  it("hands out each sequence number once under concurrency", async () => {
    const store = await createdStore();

    const numbers = await Promise.all(
      Array.from({ length: 30 }, () => store.nextSequence()),
    );

    expect([...numbers].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
  });

  it("caps a rung's promotion slots at the quota and frees a released slot", async () => {
    const store = await createdStore();

    const claims = [
      await store.claimPromotionSlot(0, 2),
      await store.claimPromotionSlot(0, 2),
      await store.claimPromotionSlot(0, 2),
    ];
    await store.releasePromotionSlot(0);
    const afterRelease = await store.claimPromotionSlot(0, 2);

    expect(claims).toEqual([true, true, false]);
    expect(afterRelease).toBe(true);
    expect(await store.claimPromotionSlot(1, 0)).toBe(false);
    expect((await store.getRun())!.promoted).toEqual([2]);
  });

  it("lets exactly one of two concurrent proposers promote a record", async () => {
    const store = await createdStore();
    await finish(store, "t000001", 0.8);

    const marks = await Promise.all([
      store.markPromoted("t000001", 0),
      store.markPromoted("t000001", 0),
    ]);

    expect(marks.filter(Boolean)).toHaveLength(1);
    expect(await store.bestUnpromoted(0)).toBeUndefined();
  });

  it("refuses to promote a failed record or one that is still running", async () => {
    const store = await createdStore();
    await finish(store, "t000001", undefined);
    await store.addJob(job("t000002"));

    expect(await store.markPromoted("t000001", 0)).toBe(false);
    expect(await store.markPromoted("t000002", 0)).toBe(false);
  });

  it("stores a result once and ignores a repeated or unknown report", async () => {
    const store = await createdStore();
    await store.addJob(job("t000001"));

    const first = await store.recordResult({
      trialId: "t000001",
      rung: 0,
      status: "ok",
      score: 0.7,
      seconds: 3,
    });
    const repeated = await store.recordResult({
      trialId: "t000001",
      rung: 0,
      status: "ok",
      score: 0.1,
      seconds: 9,
    });
    const unknown = await store.recordResult({
      trialId: "t000404",
      rung: 0,
      status: "ok",
      score: 0.9,
      seconds: 1,
    });

    expect(first).toEqual({ ...job("t000001"), status: "ok", score: 0.7, seconds: 3 });
    expect(repeated).toBeUndefined();
    expect(unknown).toBeUndefined();
    expect(await store.finished()).toEqual([first]);
  });

  it("gives a trial at most one job per rung", async () => {
    const store = await createdStore();

    const first = await store.addJob(job("t000001"));
    const second = await store.addJob(job("t000001"));
    const nextRung = await store.addJob(job("t000001", 1));

    expect([first, second, nextRung]).toEqual([true, false, true]);
  });

  it("answers a repeated request with its first proposal", async () => {
    const store = await createdStore();

    await store.saveProposal("exec/1/0", { action: "train", job: job("t000001") });
    await store.saveProposal("exec/1/0", { action: "done" });

    expect(await store.findProposal("exec/1/0")).toEqual({
      action: "train",
      job: job("t000001"),
    });
    expect(await store.findProposal("exec/1/1")).toBeUndefined();
  });

  it("ranks unpromoted records best first, equal scores by the earlier trial, failures never", async () => {
    const store = await createdStore();
    await finish(store, "t000003", 0.5);
    await finish(store, "t000002", 0.9);
    await finish(store, "t000010", 0.9);
    await finish(store, "t000004", undefined);
    await finish(store, "t000005", -0.25);
    await finish(store, "t000006", 0.9, 1);

    const order: string[] = [];
    for (
      let best = await store.bestUnpromoted(0);
      best;
      best = await store.bestUnpromoted(0)
    ) {
      order.push(best.trialId);
      await store.markPromoted(best.trialId, 0);
    }

    expect(order).toEqual(["t000002", "t000010", "t000003", "t000005"]);
  });

  it("counts the promoted records that score strictly above a score", async () => {
    const store = await createdStore({ promotion: "exact" });
    for (const [trialId, score] of [
      ["t000001", 0.9],
      ["t000002", 0.7],
      ["t000003", 0.5],
      ["t000004", 0.95],
    ] as const) {
      await finish(store, trialId, score);
    }
    await store.markPromoted("t000001", 0);
    await store.markPromoted("t000002", 0);
    await store.markPromoted("t000003", 0);

    expect(await store.countPromotedAbove(0, 0.7)).toBe(1);
    expect(await store.countPromotedAbove(0, 0.6)).toBe(2);
    expect(await store.countPromotedAbove(0, 0)).toBe(3);
    expect(await store.countPromotedAbove(0, 0.95)).toBe(0);
    expect(await store.countPromotedAbove(1, 0)).toBe(0);
  });

  it("counts finished records per rung with their epochs", async () => {
    const store = await createdStore();
    await finish(store, "t000001", 0.4);
    await finish(store, "t000002", undefined);
    await finish(store, "t000001", 0.6, 1);

    const run = (await store.getRun())!;

    expect(run.completed).toEqual([2, 1]);
    expect(run.spent).toBe(1 + 1 + 3);
  });

  it("returns the members at the positions asked for, in that order", async () => {
    const store = await createdStore();
    for (const trialId of ["t000001", "t000002", "t000003", "t000004"]) {
      await finish(store, trialId, 0.5);
    }

    const members = await store.membersAt(0, [3, 0, 9, 3]);

    expect(members.map((m) => m.trialId)).toEqual(["t000004", "t000001", "t000004"]);
    expect(await store.membersAt(1, [0])).toEqual([]);
  });

  it("keeps the best record across rungs, promoted or not, equal scores by the earlier trial", async () => {
    const store = await createdStore();
    expect(await store.best()).toBeUndefined();

    await finish(store, "t000002", 0.8);
    await finish(store, "t000001", 0.3);
    await store.markPromoted("t000002", 0);
    await finish(store, "t000002", 0.85, 1);
    await finish(store, "t000001", 0.85, 2);
    await finish(store, "t000003", undefined, 1);

    expect(await store.best()).toMatchObject({
      trialId: "t000001",
      rung: 2,
      score: 0.85,
    });
  });

  it("lists finished records only", async () => {
    const store = await createdStore();
    await finish(store, "t000001", 0.5);
    await finish(store, "t000002", undefined);
    await store.addJob(job("t000003"));

    const finished = await store.finished();

    expect(finished.map((r) => [r.trialId, r.status])).toEqual([
      ["t000001", "ok"],
      ["t000002", "failed"],
    ]);
    expect(finished[1]).toMatchObject({ reason: "NaN loss", seconds: 2 });
  });
});

describe("rankingKey", () => {
  const trialId = fc.stringMatching(/^t[0-9]{1,8}$/);
  const score = fc.double({ noNaN: true, noDefaultInfinity: true });

  it("sorts keys in the order isBetter ranks records, ties included", () => {
    fc.assert(
      fc.property(score, trialId, score, trialId, (scoreA, idA, scoreB, idB) => {
        fc.pre(idA !== idB);
        const a = { trialId: idA, status: "ok", score: scoreA } as TrialRecord;
        const b = { trialId: idB, status: "ok", score: scoreB } as TrialRecord;

        const keyOrder = rankingKey(scoreA, idA) < rankingKey(scoreB, idB);

        expect(keyOrder).toBe(isBetter(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives equal keys to 0 and -0", () => {
    expect(rankingKey(-0, "t1")).toBe(rankingKey(0, "t1"));
  });
});

/**
 * The engine's invariants (test/engine/invariants.test.ts) on DynamoStore.
 * Each sampled scenario is simulated once and checked for every invariant;
 * fewer and smaller scenarios than on the memory store, as each proposal
 * here is a dozen HTTP calls.
 */
describe("engine invariants on DynamoStore", () => {
  const sampled = fc.sample(scenarios(300), { numRuns: 8, seed: 4 });

  describe.each(sampled)("scenario %j", (s) => {
    const options = scenarioOptions(s);
    let run: Simulation;

    beforeAll(async () => {
      run = await simulate(
        scenarioOptions(s, (runId) => new DynamoStore(client, dynamo.tableName, runId)),
      );
    });

    it("never reserves more epochs than the budget, and spends what it reserves", () => {
      const handedOut = run.jobs.reduce((sum, j) => sum + j.epochs, 0);

      expect(run.maxReserved).toBeLessThanOrEqual(s.budget);
      expect(run.run.reserved).toBe(handedOut);
      expect(run.run.spent).toBe(handedOut);
      expect(handedOut).toBe(s.budget);
    });

    it("trains each configuration at most once per rung", () => {
      const keys = run.jobs.map((j) => `${j.trialId}@${j.rung}`);

      expect(new Set(keys).size).toBe(keys.length);
    });

    it("promotes from the rung below, by ASHA's top-1/eta rule or, in the endgame, the best left", () => {
      expectLawfulPromotions(run);
    });

    it("proposes exactly the jobs the memory store proposes for the same seeds", async () => {
      const inMemory = await simulate(options);

      expect(run.jobs).toEqual(inMemory.jobs);
      expect(run.best).toEqual(inMemory.best);
    });
  });
});
