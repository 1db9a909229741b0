import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSettings } from "../../lib/engine";
import { EmbeddedStore } from "../../lib/local/embedded-store";
import { expectLawfulPromotions } from "../support/scenarios";
import { simulate } from "../support/simulator";

const stores: EmbeddedStore[] = [];
afterAll(() => {
  for (const store of stores) store.close();
});

async function newStore(): Promise<EmbeddedStore> {
  const dir = await mkdtemp(join(tmpdir(), "rungs-store-"));
  const store = new EmbeddedStore(join(dir, "state.sqlite"));
  stores.push(store);
  return store;
}

describe("EmbeddedStore", () => {
  it("proposes exactly what the in-memory store proposes for the same seed and results", async () => {
    for (const promotion of ["bounded", "exact"] as const) {
      const store = await newStore();
      const settings = { budget: 600, seed: 11, promotion };

      const inMemory = await simulate({ settings, workers: 8, failureRate: 0.05 });
      const embedded = await simulate({
        settings,
        workers: 8,
        failureRate: 0.05,
        store: () => store,
      });

      expect(embedded.jobs).toEqual(inMemory.jobs);
      expect(embedded.run.reserved).toBe(600);
    }
  });

  it("keeps the budget and promotes by ASHA's rule or the endgame's", async () => {
    for (const workers of [1, 5, 32]) {
      const store = await newStore();

      const run = await simulate({
        settings: { budget: 400, seed: workers },
        workers,
        store: () => store,
      });

      expect(run.maxReserved).toBeLessThanOrEqual(400);
      expectLawfulPromotions(run);
      const keys = run.jobs.map((j) => `${j.trialId}@${j.rung}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it("keeps the run across a reopen, and lists jobs that never reported back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rungs-store-"));
    const file = join(dir, "state.sqlite");
    const first = new EmbeddedStore(file);
    await first.createRun("r", parseSettings({ budget: 10 }));
    await first.reserveEpochs(2);
    const job = {
      trialId: "t000001",
      rung: 0,
      epochs: 1,
      config: { lr: 0.1 },
      hyperparameters: { lr: 0.1 },
      origin: "random" as const,
      requestId: "a",
    };
    await first.addJob(job);
    await first.addJob({ ...job, trialId: "t000002" });
    await first.recordResult({
      trialId: "t000001",
      rung: 0,
      status: "ok",
      score: 0.5,
      seconds: 1,
    });
    first.close();

    const reopened = new EmbeddedStore(file);
    stores.push(reopened);

    expect((await reopened.getRun())!.reserved).toBe(2);
    expect((await reopened.finished()).map((r) => r.trialId)).toEqual(["t000001"]);
    expect((await reopened.unfinishedJobs()).map((j) => j.trialId)).toEqual(["t000002"]);
  });
});
