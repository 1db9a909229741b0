import { mkdir, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Configuration } from "../engine/trial";
import { configurationArguments, configurationProblems } from "./command-line";
import { InvalidTrainingOptionsError } from "./errors";
import { testModel } from "./evaluate";
import { failureReason, fastTextBinary, runFastText } from "./run";
import type { Scores } from "./scores";
import { trialStop } from "./stop";

/**
 * The validation metric a trial optimises, both at k = 1:
 *
 * - `precision` (P@1): share of validation lines whose top predicted label is
 *   one of the line's true labels. On multi-label data (e.g. cooking) a hit
 *   needs only one of the true labels.
 * - `recall` (R@1): share of all true labels, summed over lines, that are the
 *   top prediction of their line. On multi-label data it is at most 1 / (mean
 *   labels per line), since one prediction per line recovers one label.
 *
 * On single-label data the two are equal.
 */
export type Metric = "precision" | "recall";

/** One trial: train on `trainFile` for `epochs` epochs, score on `validationFile`. */
export interface TrainingOptions {
  /** fastText-format training file (`__label__x text` per line). */
  readonly trainFile: string;
  /** fastText-format file the model is scored on. */
  readonly validationFile: string;
  /** Epochs to train, from scratch. */
  readonly epochs: number;
  /**
   * Hyperparameters by fastText option name (`lr`, `dim`, `wordNgrams`, ...),
   * each passed as `-name value`. Unknown names are rejected before spawning.
   */
  readonly config: Configuration;
  /** @default "precision" */
  readonly metric?: Metric;
  /**
   * fastText threads. Only 1 gives the same model every time for the same
   * configuration and seed.
   * @default 1
   */
  readonly threads?: number;
  /**
   * fastText executable.
   * @default env RUNGS_FASTTEXT, else `fasttext` on PATH
   */
  readonly binary?: string;
  /**
   * Directory for the model while it is trained and scored.
   * @default os.tmpdir()
   */
  readonly workDir?: string;
  /**
   * Keep the model (.bin) in `workDir` and return its path; otherwise it is
   * deleted once scored.
   * @default false
   */
  readonly keepModel?: boolean;
  /** Wall-clock limit for training plus scoring, in seconds. @default no limit */
  readonly timeoutSeconds?: number;
  /** Aborting it kills fastText and gives a failed result (used for Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** A trained and scored model. */
export interface TrainedModel extends Scores {
  readonly status: "ok";
  /** The chosen metric's value, higher is better. */
  readonly score: number;
  /** Wall-clock seconds of training plus scoring. */
  readonly seconds: number;
  readonly epochs: number;
  /** Size of the .bin model in bytes (input matrix plus output layer). */
  readonly modelBytes: number;
  /** Path of the kept .bin model; only with `keepModel`. */
  readonly modelPath?: string;
}

/** A trial that produced no score, and why. */
export interface FailedTraining {
  readonly status: "failed";
  /** What went wrong and, where rungs can tell, what to change. */
  readonly reason: string;
  readonly seconds: number;
  readonly epochs: number;
}

export type TrainingResult = TrainedModel | FailedTraining;

/**
 * Trains a fastText classifier and scores it on the validation file at k = 1.
 *
 * Runs `fasttext supervised` then `fasttext test` as child processes. Every
 * way a trial can go wrong once fastText is started (bad input file, missing
 * binary, NaN loss, out of memory, timeout, abort) is a failed result, not an
 * exception, so one bad configuration cannot stop a search. The model lives in
 * a fresh directory under `workDir` that is removed before returning, which
 * keeps disk use to one model per running trial. Only if the process running
 * the trainer is killed outright does that directory stay behind; a `workDir`
 * inside the run's own directory keeps such leftovers out of the system's
 * temporary directory.
 *
 * @throws InvalidTrainingOptionsError before spawning anything, listing every
 *   bad option and every configuration key fastText would not accept.
 */
export async function trainFastText(options: TrainingOptions): Promise<TrainingResult> {
  const problems = optionProblems(options);
  if (problems.length > 0) throw new InvalidTrainingOptionsError(problems);

  const started = performance.now();
  const workDir = options.workDir ?? tmpdir();
  await mkdir(workDir, { recursive: true });
  const trialDir = await mkdtemp(join(workDir, "rungs-trial-"));

  const stop = trialStop(options.timeoutSeconds, options.signal);
  try {
    const outcome = await trainAndTest(options, trialDir, stop.signal);
    const seconds = (performance.now() - started) / 1000;
    const { epochs } = options;
    if (!outcome.ok) return { status: "failed", reason: outcome.reason, seconds, epochs };

    const { scores, modelBytes } = outcome;
    const score = options.metric === "recall" ? scores.recall : scores.precision;
    const kept = options.keepModel ? { modelPath: await keepModel(trialDir) } : {};
    return { status: "ok", score, ...scores, seconds, epochs, modelBytes, ...kept };
  } finally {
    stop.release();
    await rm(trialDir, { recursive: true, force: true });
  }
}

type Outcome =
  | { readonly ok: true; readonly scores: Scores; readonly modelBytes: number }
  | { readonly ok: false; readonly reason: string };

async function trainAndTest(
  options: TrainingOptions,
  trialDir: string,
  stop: AbortSignal,
): Promise<Outcome> {
  const binary = fastTextBinary(options.binary);
  const model = modelPrefix(trialDir);
  const training = await runFastText(binary, supervisedArguments(options, model), stop);
  const failure = failureReason(training, binary);
  if (failure !== undefined) return { ok: false, reason: failure };

  // fastText always writes word vectors beside the model; nothing reads them.
  await rm(`${model}.vec`, { force: true });
  const modelBytes = await sizeOf(`${model}.bin`);
  if (modelBytes === undefined) {
    return {
      ok: false,
      reason: `fastText exited cleanly but wrote no model at ${model}.bin`,
    };
  }

  const test = await testModel(binary, `${model}.bin`, options.validationFile, stop);
  return test.ok ? { ok: true, scores: test.scores, modelBytes } : test;
}

function supervisedArguments(options: TrainingOptions, model: string): string[] {
  return [
    "supervised",
    ["-input", options.trainFile],
    ["-output", model],
    ["-epoch", String(options.epochs)],
    configurationArguments(options.config),
    ["-thread", String(options.threads ?? 1)],
    // Level 2 is what makes fastText print the "Encountered NaN" that a diverged run is known by.
    ["-verbose", "2"],
  ].flat();
}

const modelPrefix = (trialDir: string) => join(trialDir, "model");

/** Moves the model out of the trial directory, to `<trialDir>.bin`, which is just as unique. */
async function keepModel(trialDir: string): Promise<string> {
  const kept = `${trialDir}.bin`;
  await rename(`${modelPrefix(trialDir)}.bin`, kept);
  return kept;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

function optionProblems(options: TrainingOptions): string[] {
  return [
    ...pathProblems("trainFile", options.trainFile),
    ...pathProblems("validationFile", options.validationFile),
    ...wholeNumberProblems("epochs", options.epochs),
    ...(options.threads === undefined
      ? []
      : wholeNumberProblems("threads", options.threads)),
    ...timeoutProblems(options.timeoutSeconds),
    ...metricProblems(options.metric),
    ...configurationProblems(options.config),
  ];
}

function pathProblems(name: string, value: unknown): string[] {
  return typeof value === "string" && value !== ""
    ? []
    : [
        `${name}: received ${JSON.stringify(value)}; must be the path of a fastText-format file`,
      ];
}

function wholeNumberProblems(name: string, value: number): string[] {
  return Number.isInteger(value) && value >= 1
    ? []
    : [`${name}: received ${JSON.stringify(value)}; must be a whole number >= 1`];
}

function timeoutProblems(value: number | undefined): string[] {
  return value === undefined || (Number.isFinite(value) && value > 0)
    ? []
    : [
        `timeoutSeconds: received ${JSON.stringify(value)}; must be a number of seconds > 0`,
      ];
}

function metricProblems(value: Metric | undefined): string[] {
  return value === undefined || value === "precision" || value === "recall"
    ? []
    : [`metric: received ${JSON.stringify(value)}; must be "precision" or "recall"`];
}
