import fc from "fast-check";
import { RungLadder } from "../../lib/engine";
import { scenarios, simulateScenario } from "../support/scenarios";
import { simulate } from "../support/simulator";

/** Small runs over many seeds, worker counts, budgets and rung shapes. */
const scenario = scenarios(1200);

const runs = { numRuns: 60 };

describe("engine invariants under concurrent workers", () => {
  it("never reserves more epochs than the budget, and spends what it reserves", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = await simulateScenario(s);

        const handedOut = run.jobs.reduce((sum, job) => sum + job.epochs, 0);
        expect(run.maxReserved).toBeLessThanOrEqual(s.budget);
        expect(run.run.reserved).toBe(handedOut);
        expect(run.run.spent).toBe(handedOut);
        // The bottom rung costs one epoch, so a run always finds a use for all of it.
        expect(handedOut).toBe(s.budget);
      }),
      runs,
    );
  });

  it("trains each configuration at most once per rung", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = await simulateScenario(s);

        const keys = run.jobs.map((job) => `${job.trialId}@${job.rung}`);
        expect(new Set(keys).size).toBe(keys.length);
      }),
      runs,
    );
  });

  it("promotes only members of the top 1/eta of their rung, each from the rung below", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const run = await simulateScenario(s);

        for (const promotion of run.promotions) {
          expect(promotion.rank).toBeLessThanOrEqual(
            Math.floor(promotion.finished / s.eta),
          );
          const below = run.jobs.find(
            (j) =>
              j.trialId === promotion.job.trialId && j.rung === promotion.job.rung - 1,
          );
          expect(below).toBeDefined();
        }
      }),
      runs,
    );
  });

  it("gives identical proposal sequences for identical seeds", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const first = await simulateScenario(s);
        const second = await simulateScenario(s);

        expect(second.jobs).toEqual(first.jobs);
      }),
      { numRuns: 20 },
    );
  });

  it("shrinks each rung by about eta with the bounded rule", async () => {
    const workers = 16;
    for (const eta of [2, 3, 4]) {
      const ladder = new RungLadder(1, eta ** 3, eta, 0.9);
      const run = await simulate({
        settings: { budget: 3000, seed: eta, eta, maxEpochs: eta ** 3 },
        workers,
      });

      const sizes = ladder.epochs.map(
        (_, k) => run.jobs.filter((j) => j.rung === k).length,
      );
      for (let k = 0; k + 1 < sizes.length; k++) {
        const finishedBelow = run.records.filter((r) => r.rung === k).length;
        expect(sizes[k + 1]).toBeLessThanOrEqual(Math.floor(finishedBelow / eta));
        // Only members that finished after the budget ran out go unpromoted:
        // at most one per worker still busy, one promotion per eta of them.
        const lateMembers = Math.ceil(workers / eta) + 1;
        expect(sizes[k + 1]).toBeGreaterThanOrEqual(
          Math.floor(finishedBelow / eta) - lateMembers,
        );
      }
    }
  });
});
