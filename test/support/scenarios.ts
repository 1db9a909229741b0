import fc from "fast-check";
import { RungLadder, type SearchStore } from "../../lib/engine";
import { type Simulation, type SimulationOptions, simulate } from "./simulator";

/**
 * Runs of the engine across seeds, worker counts, budgets, rung shapes,
 * promotion rules, evolution modes and failure rates: what the invariant
 * tests sample, on every store.
 */
export const scenarios = (maxBudget: number) =>
  fc.record({
    seed: fc.integer({ min: 0, max: 10_000 }),
    workers: fc.integer({ min: 1, max: 64 }),
    budget: fc.integer({ min: 1, max: maxBudget }),
    eta: fc.integer({ min: 2, max: 4 }),
    promotion: fc.constantFrom("bounded" as const, "exact" as const),
    evolution: fc.constantFrom("auto" as const, "off" as const, "on" as const),
    failureRate: fc.constantFrom(0, 0.1),
  });

export type Scenario =
  ReturnType<typeof scenarios> extends fc.Arbitrary<infer T> ? T : never;

/**
 * The simulation of a scenario: r = 1 and the default top rung, so the
 * ladder is as tall as the budget reaches (one rung for the smallest
 * budgets, up to 16 or 27 epochs for larger ones).
 */
export function scenarioOptions(
  s: Scenario,
  store?: (runId: string) => SearchStore,
): SimulationOptions {
  return {
    settings: {
      budget: s.budget,
      seed: s.seed,
      eta: s.eta,
      promotion: s.promotion,
      evolution: { mode: s.evolution },
    },
    workers: s.workers,
    worldSeed: s.seed,
    failureRate: s.failureRate,
    ...(store === undefined ? {} : { store }),
  };
}

export const simulateScenario = (s: Scenario) => simulate(scenarioOptions(s));

/**
 * Every promotion of a run comes from the rung below and follows its rule:
 * ASHA's ("promotion") takes a member of the rung's top 1/eta; the
 * endgame's ("endgame") only comes once new trials have had the bottom
 * rung's share of the budget, with no job training below the top rung, and
 * takes the best member not yet promoted.
 */
export function expectLawfulPromotions(run: Simulation): void {
  const { budget, eta } = run.run.settings;
  const bottomShare = budget / (RungLadder.of(run.run.settings).topRung + 1);

  for (const promotion of run.promotions) {
    const below = run.jobs.find(
      (j) => j.trialId === promotion.job.trialId && j.rung === promotion.job.rung - 1,
    );
    expect(below).toBeDefined();
    if (promotion.job.origin === "promotion") {
      expect(promotion.rank).toBeLessThanOrEqual(Math.floor(promotion.finished / eta));
    } else {
      expect(promotion.newTrialsBefore).toBeGreaterThanOrEqual(bottomShare);
      expect(promotion.trainingBelowTop).toBe(0);
      expect(promotion.rankAmongUnpromoted).toBe(1);
    }
  }
}
