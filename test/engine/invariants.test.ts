import fc from "fast-check";
import { RungLadder } from "../../lib/engine";
import { simulate } from "../support/simulator";

/** Small runs over many seeds, worker counts, budgets and rung shapes. */
const scenario = fc.record({
  seed: fc.integer({ min: 0, max: 10_000 }),
  workers: fc.integer({ min: 1, max: 64 }),
  budget: fc.integer({ min: 1, max: 1200 }),
  eta: fc.integer({ min: 2, max: 4 }),
  promotion: fc.constantFrom("bounded" as const, "exact" as const),
  evolution: fc.constantFrom("auto" as const, "off" as const, "on" as const),
  failureRate: fc.constantFrom(0, 0.1),
});

const runs = { numRuns: 60 };

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const simulateScenario = (s: Scenario) =>
  simulate({
    settings: {
      budget: s.budget,
      seed: s.seed,
      eta: s.eta,
      maxEpochs: s.eta ** 3,
      promotion: s.promotion,
      evolution: { mode: s.evolution },
    },
    workers: s.workers,
    worldSeed: s.seed,
    failureRate: s.failureRate,
  });

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
