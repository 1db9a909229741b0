import type { RungLadder } from "./ladder";
import type { Random } from "./random";
import type { EvolutionSettings } from "./settings";
import type { SearchSpace } from "./space";
import type { SearchStore } from "./store";
import { type Configuration, rankingScore, type TrialRecord } from "./trial";

/**
 * Evolution, the part rungs adds on top of ASHA. When a new bottom-rung
 * configuration is needed it is either a random sample or a mutation of a
 * tournament winner from the top rung. As the budget is spent the search
 * moves from exploring to refining: mutation becomes more likely, while the
 * tournament, the number of mutated parameters and the noise all shrink.
 */

/** A schedule's value once `progress` (0..1) of the budget is handed out. */
export function scheduled(
  schedule: { start: number; end: number },
  progress: number,
): number {
  return schedule.start + (schedule.end - schedule.start) * progress;
}

/** Whether this proposal mutates a parent rather than sampling afresh. */
export function shouldMutate(
  evolution: EvolutionSettings,
  progress: number,
  topRungSize: number,
  random: Random,
): boolean {
  if (evolution.mode === "off" || topRungSize === 0) return false;
  if (evolution.mode === "on") return true;
  return random.float() < scheduled(evolution.mutationProbability, progress);
}

/**
 * The best of `size` members drawn at random from the top rung. Draws are by
 * position in the rung, so the store reads `size` records, not the rung.
 */
export async function tournament(
  store: SearchStore,
  ladder: RungLadder,
  topRungSize: number,
  size: number,
  random: Random,
): Promise<TrialRecord | undefined> {
  const positions = random.positions(topRungSize, Math.max(1, Math.round(size)));
  const entrants = await store.membersAt(ladder.topRung, positions);
  const scored = entrants.filter((e) => rankingScore(e) > Number.NEGATIVE_INFINITY);
  return scored.reduce<TrialRecord | undefined>(
    (best, e) => (best === undefined || rankingScore(e) > rankingScore(best) ? e : best),
    undefined,
  );
}

/**
 * A child of `parent`: the scheduled number of parameters, perturbed by the
 * scheduled noise. A perturbation can leave the configuration as it was (an
 * integer rounds back, a constraint pins the value), and training the parent
 * again teaches nothing, so the draw is repeated a few times until the
 * child differs.
 */
export function mutate(
  space: SearchSpace,
  parent: Configuration,
  evolution: EvolutionSettings,
  progress: number,
  random: Random,
): Configuration {
  const count = Math.max(1, Math.round(scheduled(evolution.mutatedParameters, progress)));
  const noise = scheduled(evolution.noise, progress);
  let child = parent;
  for (
    let attempt = 0;
    attempt < MAX_MUTATION_ATTEMPTS && isSame(child, parent);
    attempt++
  ) {
    child = space.mutate(parent, random.sample(space.names, count), noise, random);
  }
  return child;
}

/** Enough that a space with any parameter that can move almost surely moves. */
const MAX_MUTATION_ATTEMPTS = 10;

function isSame(a: Configuration, b: Configuration): boolean {
  return Object.keys(a).every((name) => a[name] === b[name]);
}
