import { z } from "zod";
import { InvalidSettingsError } from "../errors";
import { describeIssues, seedSchema } from "../validation";
import { DEFAULT_FASTTEXT_SPACE } from "./fasttext-space";
import { RungLadder } from "./ladder";
import type { SpaceDefinition } from "./space";

const DEFAULT_MIN_EPOCHS = 1;
const DEFAULT_MAX_EPOCHS = 27;

/** A quantity that moves linearly from `start` to `end` as the budget is spent. */
const schedule = (start: number, end: number, min: number, max: number) =>
  z
    .object({ start: z.number().min(min).max(max), end: z.number().min(min).max(max) })
    .strict()
    .default({ start, end });

const evolutionSchema = z
  .object({
    /** "auto": mutate with the scheduled probability; "off": plain ASHA; "on": always mutate once the top rung has members. */
    mode: z.enum(["auto", "off", "on"]).default("auto"),
    /** Probability that a new bottom-rung configuration is a mutation rather than a random sample. */
    mutationProbability: schedule(0.2, 0.8, 0, 1),
    /** Top-rung members drawn for each tournament. */
    tournamentSize: schedule(4, 2, 1, 100),
    /** How many parameters a mutation changes. */
    mutatedParameters: schedule(3, 1, 1, 100),
    /** Standard deviation of the Gaussian noise, as a fraction of each parameter's (log) range. */
    noise: schedule(0.25, 0.05, 0, 1),
  })
  .strict()
  .default({
    mode: "auto",
    mutationProbability: { start: 0.2, end: 0.8 },
    tournamentSize: { start: 4, end: 2 },
    mutatedParameters: { start: 3, end: 1 },
    noise: { start: 0.25, end: 0.05 },
  });

/**
 * Everything that decides which jobs a run proposes. Units: epochs. The
 * paper's symbols: r = minEpochs, R = maxEpochs, eta = eta.
 */
export const settingsSchema = z
  .object({
    /** Total epochs the run may train, summed over every job (retrains included). */
    budget: z.number().int().positive(),
    /** r: epochs on the bottom rung. */
    minEpochs: z.number().int().positive().default(DEFAULT_MIN_EPOCHS),
    /**
     * R: epochs on the top rung (rounded down to r * eta^k). Unset: the
     * highest rung up to 27 epochs that the budget can carry a configuration to.
     */
    maxEpochs: z.number().int().positive().optional(),
    /** eta: reduction factor; the top 1/eta of a rung is promoted. */
    eta: z.number().int().min(2).max(16).default(3),
    /** Learning-rate multiplier per rung: rung k trains with lr * lrDecay^k. */
    lrDecay: z.number().gt(0).max(1).default(0.9),
    /** "bounded": promotions capped at floor(n/eta) per rung (bounded reads); "exact": the paper's rule. */
    promotion: z.enum(["bounded", "exact"]).default("bounded"),
    seed: seedSchema.default(1),
    evolution: evolutionSchema,
    space: z.record(z.string(), z.any()).default(DEFAULT_FASTTEXT_SPACE),
  })
  .strict();

export type SearchSettings = Omit<
  z.output<typeof settingsSchema>,
  "space" | "maxEpochs"
> & {
  readonly maxEpochs: number;
  readonly space: SpaceDefinition;
};
export type SettingsInput = z.input<typeof settingsSchema>;
export type EvolutionSettings = SearchSettings["evolution"];

/** Settings with defaults filled in, maxEpochs fitted to the budget; every problem listed at once. */
export function parseSettings(
  input: unknown,
  label: (path: string) => string = (path) => path,
): SearchSettings {
  const parsed = settingsSchema.safeParse(input, { reportInput: true });
  const problems = [
    ...(parsed.success ? [] : describeIssues(parsed.error.issues, label)),
    ...rungProblems(input, label),
  ];
  if (problems.length > 0 || !parsed.success) throw new InvalidSettingsError(problems);

  const settings = parsed.data;
  const maxEpochs = settings.maxEpochs ?? fittedMaxEpochs(settings);
  const reach = reachProblems({ ...settings, maxEpochs }, settings.maxEpochs, label);
  if (reach.length > 0) throw new InvalidSettingsError(reach);
  return { ...settings, maxEpochs } as SearchSettings;
}

/**
 * The ladder needs R >= r. Checked apart from the schema so that it is
 * reported alongside other problems rather than only once they are fixed.
 */
function rungProblems(input: unknown, label: (path: string) => string): string[] {
  const fields = (input ?? {}) as { minEpochs?: unknown; maxEpochs?: unknown };
  const min = fields.minEpochs ?? DEFAULT_MIN_EPOCHS;
  const max = fields.maxEpochs;
  if (typeof min !== "number" || typeof max !== "number" || max >= min) return [];
  return [
    `${label("maxEpochs")}: received ${max}; must be at least ${label("minEpochs")} (${min})`,
  ];
}

type LadderSettings = Pick<SearchSettings, "budget" | "minEpochs" | "eta" | "lrDecay">;

/**
 * The default top rung: as high as 27 epochs, but no higher than the budget
 * can carry one configuration. A top rung no trial can reach would leave
 * evolution without parents and hand back a model from a lower rung; a
 * shorter ladder spends the same budget on fewer, better-trained finalists.
 */
function fittedMaxEpochs(settings: LadderSettings): number {
  const tallest = RungLadder.of({
    ...settings,
    maxEpochs: Math.max(DEFAULT_MAX_EPOCHS, settings.minEpochs),
  });
  const reachable = tallest.epochs.filter(
    (top) => RungLadder.of({ ...settings, maxEpochs: top }).climbCost <= settings.budget,
  );
  return reachable.at(-1) ?? settings.minEpochs;
}

/** A budget that cannot take even one configuration to the top rung is refused before anything trains. */
function reachProblems(
  settings: LadderSettings & { maxEpochs: number },
  requested: number | undefined,
  label: (path: string) => string,
): string[] {
  const ladder = RungLadder.of(settings);
  const cost = ladder.climbCost;
  if (cost <= settings.budget) return [];

  const top = ladder.epochsAt(ladder.topRung);
  if (requested === undefined || ladder.topRung === 0) {
    return [
      `${label("budget")}: received ${settings.budget}; must be at least ${label("minEpochs")} (${settings.minEpochs}), the cost of one bottom-rung trial`,
    ];
  }
  const fits = fittedMaxEpochs(settings);
  return [
    `${label("budget")}: received ${settings.budget}; no configuration could reach the top rung of ${top} epochs, since getting one there costs ${cost} epochs (${ladder.describeClimb()}). ` +
      `Raise ${label("budget")} to at least ${cost}, or lower ${label("maxEpochs")} to ${fits} (or leave it unset to fit the budget)`,
  ];
}
