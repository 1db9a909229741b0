import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { validateDataset } from "../dataset";
import { parseFastTextSpace } from "../engine/fasttext-space";
import { parseSettings } from "../engine/settings";
import { InvalidInputError } from "../errors";
import type { TuneOptions } from "../local/tune";
import { describeIssues } from "../validation";

/** `rungs tune` flags as commander hands them over: strings, not yet checked. */
export type TuneFlags = Record<string, string | undefined>;

/** Documented defaults, shown in `rungs tune --help`. */
export const TUNE_DEFAULTS = {
  budget: "300",
  workers: String(availableParallelism()),
  threads: "1",
  seed: "1",
  out: "rungs-run",
  metric: "precision",
  minEpochs: "1",
  eta: "3",
  lrDecay: "0.9",
  promotion: "bounded",
  evolution: "auto",
} as const;

const flagsSchema = z.object({
  train: z.string({ error: "required; give the training file in fastText format" }),
  valid: z.string({ error: "required; give the validation file in fastText format" }),
  test: z.string().optional(),
  out: z.string().min(1),
  workers: z.preprocess(numeric, z.number().int().min(1).max(256)),
  threads: z.preprocess(numeric, z.number().int().min(1).max(64)),
  metric: z.enum(["precision", "recall"]),
  timeout: z.preprocess(numeric, z.number().positive()).optional(),
  space: z.string().optional(),
  fasttext: z.string().optional(),
});

const FLAG_NAMES: Readonly<Record<string, string>> = {
  minEpochs: "--min-epochs",
  maxEpochs: "--max-epochs",
  lrDecay: "--lr-decay",
  "evolution.mode": "--evolution",
};

const flagName = (path: string) => FLAG_NAMES[path] ?? `--${path}`;

/**
 * Checks every flag, the search space file and each dataset before anything
 * trains, and reports all problems at once.
 *
 * @throws InvalidInputError listing each problem with the flag, the value and the fix.
 */
export async function parseTuneFlags(flags: TuneFlags): Promise<TuneOptions> {
  const problems: string[] = [];

  const parsed = flagsSchema.safeParse(flags, { reportInput: true });
  if (!parsed.success) problems.push(...describeIssues(parsed.error.issues, flagName));

  const space = await readSpace(flags.space, problems);
  const settings = collect(problems, () =>
    parseSettings(
      {
        budget: numeric(flags.budget),
        minEpochs: numeric(flags.minEpochs),
        maxEpochs: numeric(flags.maxEpochs),
        eta: numeric(flags.eta),
        lrDecay: numeric(flags.lrDecay),
        promotion: flags.promotion,
        seed: numeric(flags.seed),
        evolution: { mode: flags.evolution },
        ...(space === undefined ? {} : { space }),
      },
      flagName,
    ),
  );

  for (const flag of ["train", "valid", "test"] as const) {
    const path = flags[flag];
    if (path === undefined) continue;
    const check = await validateDataset(path);
    problems.push(
      ...check.problems
        .filter((p) => p.severity === "error")
        .map((p) => `--${flag} ${p.message}`),
    );
  }

  if (problems.length > 0 || !parsed.success || settings === undefined) {
    throw new InvalidInputError("rungs tune", problems);
  }
  const f = parsed.data;
  return {
    train: f.train,
    valid: f.valid,
    out: f.out,
    workers: f.workers,
    threads: f.threads,
    metric: f.metric,
    settings,
    ...(f.test === undefined ? {} : { test: f.test }),
    ...(f.timeout === undefined ? {} : { timeoutSeconds: f.timeout }),
    ...(f.fasttext === undefined ? {} : { binary: f.fasttext }),
  };
}

/** A number when the text is one; otherwise the text, so the error shows what was typed. */
function numeric(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) ? value : text;
}

async function readSpace(path: string | undefined, problems: string[]) {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    problems.push(
      `--space ${path}: cannot be read (${(error as Error).message}); check the path`,
    );
    return undefined;
  }
  try {
    return parseFastTextSpace(JSON.parse(text)).parameters;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      problems.push(...error.problems.map((p) => `--space ${path}: ${p}`));
    } else {
      problems.push(`--space ${path}: not valid JSON (${(error as Error).message})`);
    }
    return undefined;
  }
}

function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}
