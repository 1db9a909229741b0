import { rename } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { Proposer } from "../engine/proposer";
import type { SearchSettings } from "../engine/settings";
import type { RunRecord } from "../engine/store";
import type { Job, JobResult, TrialRecord } from "../engine/trial";
import { RunMismatchError } from "../errors";
import { type Metric, trainFastText } from "../trainer";
import { EmbeddedStore } from "./embedded-store";
import { RunDirectory } from "./run-directory";
import { runWorkerPool } from "./worker-pool";

/** A local tuning run, as `rungs tune` describes it after validating its flags. */
export interface TuneOptions {
  readonly train: string;
  readonly valid: string;
  /** Scored once, on the best configuration, after the search. */
  readonly test?: string;
  /** Output directory; running again with the same one resumes. */
  readonly out: string;
  /** fastText jobs at once. */
  readonly workers: number;
  /** fastText threads per job. */
  readonly threads: number;
  readonly metric: Metric;
  /** Per-job wall-clock limit; a job over it is a failed trial. */
  readonly timeoutSeconds?: number;
  readonly settings: SearchSettings;
  /** fastText executable. @default env RUNGS_FASTTEXT, else `fasttext` on PATH */
  readonly binary?: string;
}

/** What a run reports as it goes; the CLI draws progress from it. */
export interface TuneProgress {
  started(run: RunRecord, resumed: { finished: number; unfinished: number }): void;
  finished(record: TrialRecord, run: RunRecord, best: TrialRecord | undefined): void;
  testing(best: TrialRecord): void;
}

export interface BestConfiguration {
  readonly trialId: string;
  /** Validation score of the chosen metric. */
  readonly score: number;
  readonly metric: string;
  /** Options fastText trained with, lr decayed for the rung. */
  readonly config: Readonly<Record<string, number | string>>;
  readonly epochs: number;
  readonly rung: number;
  /** Test score of the same configuration retrained, when a test file was given. */
  readonly testScore?: number;
  /** Why the retrain for the test score failed, if it did. */
  readonly testError?: string;
  /** Path of the retrained model (best.bin). */
  readonly model?: string;
}

export interface TuneSummary {
  readonly run: RunRecord;
  readonly best?: BestConfiguration;
  readonly interrupted: boolean;
  readonly directory: string;
}

/**
 * Tunes a fastText classifier on this machine with the same engine the cloud
 * runs. State lives in the output directory, so a killed or interrupted run
 * continues where it stopped when started again with the same options.
 */
export async function tune(
  options: TuneOptions,
  progress: TuneProgress,
  signal: AbortSignal,
): Promise<TuneSummary> {
  const directory = new RunDirectory(options.out);
  await directory.create();
  await checkSameRun(directory, options);
  const store = new EmbeddedStore(directory.stateFile);
  try {
    const run = await openRun(store, options);
    const finished = await store.finished();
    const unfinished = await store.unfinishedJobs();
    await directory.rewriteTrials(finished);
    progress.started(run, { finished: finished.length, unfinished: unfinished.length });

    let best = await store.best();
    await runWorkerPool({
      proposer: new Proposer(store, options.settings),
      workers: options.workers,
      session: `s${Date.now().toString(36)}`,
      unfinished,
      train: (job, stop) => trainJob(job, options, directory.jobsDir, stop),
      onFinished: async (record) => {
        await directory.appendTrial(record);
        const current = await store.best();
        if (current !== undefined && !isSameJob(current, best)) {
          await directory.writeBest(describeBest(current, options.metric));
        }
        best = current;
        progress.finished(record, (await store.getRun())!, best);
      },
      signal,
    });

    const summary = { run: (await store.getRun())!, directory: directory.path };
    if (best === undefined) return { ...summary, interrupted: signal.aborted };
    if (signal.aborted) {
      return { ...summary, interrupted: true, best: describeBest(best, options.metric) };
    }

    const described = await withTestScore(best, options, directory, progress, signal);
    await directory.writeBest(described);
    return { ...summary, interrupted: signal.aborted, best: described };
  } finally {
    store.close();
  }
}

function isSameJob(a: TrialRecord, b: TrialRecord | undefined): boolean {
  return b !== undefined && a.trialId === b.trialId && a.rung === b.rung;
}

async function openRun(store: EmbeddedStore, options: TuneOptions): Promise<RunRecord> {
  const existing = await store.getRun();
  if (existing === undefined) {
    return store.createRun(basename(resolve(options.out)), options.settings);
  }
  const before = JSON.stringify(existing.settings);
  if (before !== JSON.stringify(options.settings)) {
    throw new RunMismatchError(
      `${options.out} holds a run started with other search settings (${difference(existing.settings, options.settings)}). ` +
        "Resume it with the same options, or pass a new --out to start another run.",
    );
  }
  return existing;
}

/** The datasets and metric must match too: a resumed run mixing datasets would compare apples and pears. */
async function checkSameRun(
  directory: RunDirectory,
  options: TuneOptions,
): Promise<void> {
  const description = {
    train: resolve(options.train),
    valid: resolve(options.valid),
    metric: options.metric,
  };
  const previous = (await directory.readRunFile()) as typeof description | undefined;
  if (previous === undefined) {
    await directory.writeRunFile(description);
    return;
  }
  const changed = (Object.keys(description) as (keyof typeof description)[]).filter(
    (key) => previous[key] !== description[key],
  );
  if (changed.length > 0) {
    throw new RunMismatchError(
      `${options.out} holds a run started with another ${changed.map((k) => `${k} (${previous[k]})`).join(", ")}. ` +
        "Resume it with the same files, or pass a new --out to start another run.",
    );
  }
}

function difference(before: SearchSettings, now: SearchSettings): string {
  const keys = Object.keys(now) as (keyof SearchSettings)[];
  return keys
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(now[key]))
    .map(
      (key) =>
        `${key} was ${JSON.stringify(before[key])}, now ${JSON.stringify(now[key])}`,
    )
    .join("; ");
}

async function trainJob(
  job: Job,
  options: TuneOptions,
  workDir: string,
  signal: AbortSignal,
): Promise<JobResult> {
  const result = await trainFastText({
    workDir,
    trainFile: options.train,
    validationFile: options.valid,
    epochs: job.epochs,
    config: job.hyperparameters,
    metric: options.metric,
    threads: options.threads,
    signal,
    ...(options.binary === undefined ? {} : { binary: options.binary }),
    ...(options.timeoutSeconds === undefined
      ? {}
      : { timeoutSeconds: options.timeoutSeconds }),
  });
  const common = { trialId: job.trialId, rung: job.rung, seconds: result.seconds };
  return result.status === "ok"
    ? { ...common, status: "ok", score: result.score }
    : { ...common, status: "failed", reason: result.reason };
}

/** Retrains the best configuration and scores it on the test file, keeping the model. */
async function withTestScore(
  best: TrialRecord,
  options: TuneOptions,
  directory: RunDirectory,
  progress: TuneProgress,
  signal: AbortSignal,
): Promise<BestConfiguration> {
  const described = describeBest(best, options.metric);
  if (options.test === undefined) return described;

  progress.testing(best);
  const result = await trainFastText({
    trainFile: options.train,
    validationFile: options.test,
    epochs: best.epochs,
    config: best.hyperparameters,
    metric: options.metric,
    threads: options.threads,
    keepModel: true,
    workDir: directory.path,
    signal,
    ...(options.binary === undefined ? {} : { binary: options.binary }),
  });
  if (result.status === "failed") return { ...described, testError: result.reason };

  await rename(result.modelPath!, directory.bestModel);
  return { ...described, testScore: result.score, model: directory.bestModel };
}

function describeBest(best: TrialRecord, metric: Metric): BestConfiguration {
  return {
    trialId: best.trialId,
    score: best.score!,
    metric: metric === "recall" ? "recall@1" : "precision@1",
    config: best.hyperparameters,
    epochs: best.epochs,
    rung: best.rung,
  };
}
