import { InvalidSearchSpaceError } from "../errors";
import {
  type Constraint,
  SearchSpace,
  type SpaceDefinition,
  spaceProblems,
} from "./space";

/**
 * fastText's supervised options that a search space may tune. `epoch` is not
 * among them: epochs are the resource that the rungs hand out.
 */
export const FASTTEXT_OPTIONS: readonly string[] = [
  "lr",
  "dim",
  "ws",
  "wordNgrams",
  "minCount",
  "minCountLabel",
  "minn",
  "maxn",
  "neg",
  "bucket",
  "loss",
  "t",
  "lrUpdateRate",
];

/**
 * The default space: fastText's 11 supervised hyperparameters that matter for
 * classification. Ranges follow fastText's own autotune where it publishes
 * them (lr 0.01-5 log, wordNgrams 1-5, bucket log-scaled) but cap `dim` at
 * 300 and `bucket` at 2M: dim x bucket floats is the model's memory, and
 * 1000 x 10M would need 40 GB per job.
 */
export const DEFAULT_FASTTEXT_SPACE: SpaceDefinition = {
  lr: { type: "float", min: 0.01, max: 5, log: true },
  dim: { type: "int", min: 10, max: 300, log: true },
  wordNgrams: { type: "int", min: 1, max: 5 },
  minCount: { type: "int", min: 1, max: 10, log: true },
  minn: { type: "int", min: 0, max: 5 },
  maxn: { type: "int", min: 0, max: 6 },
  bucket: { type: "int", min: 10_000, max: 2_000_000, log: true },
  loss: { type: "choice", values: ["softmax", "ns", "hs", "ova"] },
  neg: { type: "int", min: 1, max: 25, log: true },
  t: { type: "float", min: 1e-6, max: 1e-2, log: true },
  lrUpdateRate: { type: "int", min: 10, max: 1000, log: true },
};

/** fastText's own default for `neg`, used where the loss ignores it. */
const DEFAULT_NEG = 5;

/**
 * Character n-grams: fastText uses none when `minn` is 0, and needs
 * maxn >= minn otherwise. Normalising here keeps equal models spelled alike.
 */
const characterNgrams: Constraint = (config) => {
  if (typeof config.minn !== "number") return;
  if (config.minn === 0) {
    if ("maxn" in config) config.maxn = 0;
    return;
  }
  if (typeof config.maxn === "number" && config.maxn < config.minn)
    config.maxn = config.minn;
};

/** Only negative sampling reads `neg`; pin it elsewhere so equal models compare equal. */
const negativesOnlyForNs: Constraint = (config) => {
  if ("neg" in config && "loss" in config && config.loss !== "ns")
    config.neg = DEFAULT_NEG;
};

export const FASTTEXT_CONSTRAINTS: readonly Constraint[] = [
  characterNgrams,
  negativesOnlyForNs,
];

/** A fastText search space from a definition, by default the built-in one. */
export function fastTextSpace(definition: SpaceDefinition = DEFAULT_FASTTEXT_SPACE) {
  return new SearchSpace(definition, FASTTEXT_CONSTRAINTS);
}

/**
 * Reads a user's space (parsed JSON) and lists every problem at once: unknown
 * option names, bad types and bad ranges.
 */
export function parseFastTextSpace(json: unknown): SearchSpace {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new InvalidSearchSpaceError([
      `expected a JSON object of parameters such as {"lr": {"type": "float", "min": 0.05, "max": 1, "log": true}}; received ${describe(json)}`,
    ]);
  }
  const definition = json as SpaceDefinition;
  const problems = [
    ...nameProblems(Object.keys(definition)),
    ...spaceProblems(definition),
  ];
  if (problems.length > 0) throw new InvalidSearchSpaceError(problems);
  return fastTextSpace(definition);
}

function nameProblems(names: readonly string[]): string[] {
  return names
    .filter((name) => !FASTTEXT_OPTIONS.includes(name))
    .map((name) =>
      name === "epoch"
        ? `parameter "epoch": epochs are set by the rungs (--min-epochs, --max-epochs, --eta), not searched; remove it`
        : `parameter "${name}": not a fastText supervised option; allowed: ${FASTTEXT_OPTIONS.join(", ")}`,
    );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  return value === null ? "null" : typeof value;
}
