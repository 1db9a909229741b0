import fc from "fast-check";
import { parseSettings, RungLadder } from "../../lib/engine";
import {
  expectLawfulPromotions,
  scenarios,
  simulateScenario,
} from "../support/scenarios";
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

  it("promotes from the rung below, by ASHA's top-1/eta rule or, in the endgame, the best left", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        expectLawfulPromotions(await simulateScenario(s));
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

  it("takes a trial to the top rung whenever the budget pays for one climb and the workers fit in the bottom rung's share", async () => {
    const climbing = fc
      .record({
        seed: fc.integer({ min: 0, max: 10_000 }),
        eta: fc.integer({ min: 2, max: 4 }),
        climbs: fc.double({ min: 1, max: 3, noNaN: true }),
        workerShare: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map(({ seed, eta, climbs, workerShare }) => {
        const ladder = RungLadder.of(parseSettings({ budget: 1_000_000, eta }));
        const budget = Math.ceil(ladder.climbCost * climbs);
        const share = Math.floor(budget / (ladder.topRung + 1));
        return {
          seed,
          eta,
          budget,
          workers: Math.max(1, Math.round(share * workerShare)),
        };
      });

    await fc.assert(
      fc.asyncProperty(climbing, async ({ seed, eta, budget, workers }) => {
        const run = await simulate({
          settings: { budget, seed, eta },
          workers,
          worldSeed: seed,
        });

        const ladder = RungLadder.of(run.run.settings);
        expect(run.jobs.some((j) => ladder.isTop(j.rung))).toBe(true);
        expect(run.run.reserved).toBe(budget);
      }),
      runs,
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
      const promotedByRule = ladder.epochs.map(
        (_, k) => run.jobs.filter((j) => j.rung === k && j.origin === "promotion").length,
      );
      for (let k = 0; k + 1 < sizes.length; k++) {
        const finishedBelow = run.records.filter((r) => r.rung === k).length;
        expect(promotedByRule[k + 1]).toBeLessThanOrEqual(
          Math.floor(finishedBelow / eta),
        );
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
