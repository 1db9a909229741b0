import { z } from "zod";
import { parseSettings, type SearchSettings } from "../../lib/engine";
import { parseFastTextSpace } from "../../lib/engine/fasttext-space";
import { InvalidInputError } from "../../lib/errors";
import { describeIssues } from "../../lib/validation";

/** The most workers a run may ask for: a round's items must fit in the Map's state. */
export const MAX_WORKERS = 1_000;

/** fastText threads a job may ask for; a Lambda has at most 6 vCPUs. */
const MAX_THREADS = 64;

/** The search settings a run may tune under `search`; budget, seed and space sit at the top. */
const SEARCH_FIELDS = [
  "minEpochs",
  "maxEpochs",
  "eta",
  "lrDecay",
  "promotion",
  "evolution",
];

const TOP_LEVEL_SETTINGS = ["budget", "seed", "space"];

const s3Uri = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/, {
  error:
    'must be an S3 URI of an object, e.g. "s3://my-bucket/data/train.txt" (bucket names have 3 to 63 lowercase letters, digits, dots or hyphens)',
});

/**
 * What a user passes to start a run. `budget`, `seed`, `space` and `search`
 * are checked by the engine's own rules (parseSettings, parseFastTextSpace),
 * so the door and the engine cannot disagree about them.
 */
const inputSchema = z
  .object({
    /** fastText-format files: train on `train`, score on `valid`, report on `test`. */
    dataset: z.object({ train: s3Uri, valid: s3Uri, test: s3Uri.optional() }).strict(),
    /** Total epochs the run may train, summed over every job. */
    budget: z.unknown().optional(),
    /** Seeds the proposals. @default 1 */
    seed: z.unknown().optional(),
    /** Concurrent workers (child executions). @default 100 */
    workers: z.number().int().min(1).max(MAX_WORKERS).default(100),
    /** Hyperparameters to search. @default the built-in fastText space */
    space: z.unknown().optional(),
    /** Rung shape, promotion rule and evolution schedule. @default the engine's defaults */
    search: z.record(z.string(), z.unknown()).optional(),
    /** What a trial is scored on. @default "precision" */
    metric: z.enum(["precision", "recall"]).default("precision"),
    /** fastText threads per job. @default the train function's choice */
    threads: z.number().int().min(1).max(MAX_THREADS).optional(),
  })
  .strict();

/** A valid execution input, with every default filled in. */
export interface ExecutionInput {
  readonly dataset: {
    readonly train: string;
    readonly valid: string;
    readonly test?: string;
  };
  readonly workers: number;
  readonly metric: "precision" | "recall";
  readonly threads?: number;
  readonly settings: SearchSettings;
}

/**
 * Checks a run's execution input and lists every problem at once, each with
 * the field, the value received and what is allowed. Throws an
 * InvalidInputError (by that exact name, which the state machine catches).
 */
export function parseExecutionInput(
  input: unknown,
  defaults: InputDefaults = {},
): ExecutionInput {
  const withDefaults = isObject(input) ? applyDefaults(input, defaults) : input;
  const shape = inputSchema.safeParse(withDefaults, { reportInput: true });
  const shapeProblems = shape.success ? [] : describeIssues(shape.error.issues);
  if (!isObject(input)) throw invalid(shapeProblems);

  const { settings, problems } = readSettings(withDefaults as Record<string, unknown>);

  if (!shape.success || settings === undefined) {
    throw invalid([...shapeProblems, ...problems]);
  }
  const { dataset, workers, metric, threads } = shape.data;
  return {
    dataset,
    workers,
    metric,
    ...(threads === undefined ? {} : { threads }),
    settings,
  };
}

/** Defaults the deployment sets (the Tuner's defaultWorkers and defaultBudget props). */
export interface InputDefaults {
  readonly workers?: number;
  readonly budget?: number;
}

function applyDefaults(input: Record<string, unknown>, defaults: InputDefaults) {
  return {
    ...input,
    ...(input.workers === undefined && defaults.workers !== undefined
      ? { workers: defaults.workers }
      : {}),
    ...(input.budget === undefined && defaults.budget !== undefined
      ? { budget: defaults.budget }
      : {}),
  };
}

function invalid(problems: readonly string[]): InvalidInputError {
  return new InvalidInputError("The execution input", problems);
}

/** The search settings from the input's fields, or every problem with them. */
function readSettings(fields: Record<string, unknown>): {
  settings?: SearchSettings;
  problems: string[];
} {
  const search = isObject(fields.search) ? fields.search : {};
  const space = readSpace(fields.space);
  const problems = [...misplacedSearchFields(search), ...space.problems];

  try {
    const settings = parseSettings(
      {
        ...pick(search, SEARCH_FIELDS),
        budget: fields.budget,
        ...(fields.seed === undefined ? {} : { seed: fields.seed }),
        ...(space.definition === undefined ? {} : { space: space.definition }),
      },
      label,
    );
    return problems.length > 0 ? { problems } : { settings, problems };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { problems: [...error.problems, ...problems] };
  }
}

/** The space if it is valid; its problems otherwise (then the default stands in, to check the rest). */
function readSpace(space: unknown): { definition?: unknown; problems: string[] } {
  if (space === undefined) return { problems: [] };
  try {
    parseFastTextSpace(space);
    return { definition: space, problems: [] };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { problems: error.problems.map((problem) => `space: ${problem}`) };
  }
}

function misplacedSearchFields(search: Record<string, unknown>): string[] {
  return Object.keys(search)
    .filter((name) => !SEARCH_FIELDS.includes(name))
    .map((name) =>
      TOP_LEVEL_SETTINGS.includes(name)
        ? `search.${name}: belongs at the top level of the input; move it out of "search"`
        : `search.${name}: unknown setting; allowed: ${SEARCH_FIELDS.join(", ")}`,
    );
}

/** Settings paths as the input spells them: budget, seed and space at the top, the rest under search. */
function label(path: string): string {
  const root = path.split(".")[0]!;
  return TOP_LEVEL_SETTINGS.includes(root) ? path : `search.${path}`;
}

function pick(fields: Record<string, unknown>, names: readonly string[]) {
  return Object.fromEntries(
    Object.entries(fields).filter(([name]) => names.includes(name)),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
