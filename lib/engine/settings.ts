import { z } from "zod";
import { InvalidSettingsError } from "../errors";
import { describeIssues, seedSchema } from "../validation";
import { DEFAULT_FASTTEXT_SPACE } from "./fasttext-space";
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
    /** R: epochs on the top rung (rounded down to r * eta^k). */
    maxEpochs: z.number().int().positive().default(DEFAULT_MAX_EPOCHS),
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

export type SearchSettings = Omit<z.output<typeof settingsSchema>, "space"> & {
  readonly space: SpaceDefinition;
};
export type SettingsInput = z.input<typeof settingsSchema>;
export type EvolutionSettings = SearchSettings["evolution"];

/** Settings with defaults filled in; every problem listed at once. */
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
  return parsed.data as SearchSettings;
}

/**
 * The ladder needs R >= r. Checked apart from the schema so that it is
 * reported alongside other problems rather than only once they are fixed.
 */
function rungProblems(input: unknown, label: (path: string) => string): string[] {
  const fields = (input ?? {}) as { minEpochs?: unknown; maxEpochs?: unknown };
  const min = fields.minEpochs ?? DEFAULT_MIN_EPOCHS;
  const max = fields.maxEpochs ?? DEFAULT_MAX_EPOCHS;
  if (typeof min !== "number" || typeof max !== "number" || max >= min) return [];
  return [
    `${label("maxEpochs")}: received ${max}; must be at least ${label("minEpochs")} (${min})`,
  ];
}
