import { rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseSettings, type SettingsInput, type TrialRecord } from "../../lib/engine";
import { type TuneProgress, tune } from "../../lib/local/tune";
import { bestSoFar, type JobLine, type RunOutcome } from "./outcome";
import { type Task, topEpochs } from "./protocol";

/** The methods that are rungs' own engine with some settings changed. */
export type EngineMethod = "rungs" | "asha" | "random";

const SETTINGS: Record<EngineMethod, (task: Task) => SettingsInput> = {
  rungs: ({ budget, seed }) => ({ budget, seed }),
  asha: ({ budget, seed }) => ({ budget, seed, evolution: { mode: "off" } }),
  // A ladder of one rung at the top rung's epochs: every configuration trains
  // to the end and none is stopped early, which is random search.
  random: ({ budget, seed }) => ({
    budget,
    seed,
    minEpochs: topEpochs(budget),
    maxEpochs: topEpochs(budget),
    evolution: { mode: "off" },
  }),
};

/**
 * Runs `rungs tune` in this process, as the CLI would, on a fresh output
 * directory; tune() itself retrains the best configuration and scores it on
 * the test file.
 */
export async function runEngine(method: EngineMethod, task: Task): Promise<RunOutcome> {
  const out = join(task.scratch, `${method}-${task.set.name}-seed${task.seed}`);
  await rm(out, { recursive: true, force: true });
  const recorder = new JobRecorder();

  try {
    const summary = await tune(
      {
        train: task.set.train,
        valid: task.set.valid,
        test: task.set.test,
        out,
        workers: task.workers,
        threads: 1,
        metric: "precision",
        settings: parseSettings(SETTINGS[method](task)),
      },
      recorder,
      new AbortController().signal,
    );
    const totalSeconds = recorder.elapsed();
    const best = summary.best;
    return {
      method,
      set: task.set.name,
      seed: task.seed,
      budget: task.budget,
      epochs: summary.run.spent,
      searchSeconds: recorder.searchSeconds ?? totalSeconds,
      totalSeconds,
      ...(best === undefined
        ? { failure: "every job failed" }
        : {
            chosen: {
              trial: best.trialId,
              config: best.config,
              epochs: best.epochs,
              validScore: best.score,
            },
          }),
      ...(best?.testScore === undefined ? {} : { testScore: best.testScore }),
      ...(best?.testError === undefined ? {} : { failure: best.testError }),
      curve: bestSoFar(recorder.jobs),
      jobs: recorder.jobs,
    };
  } finally {
    // best.bin alone can be 2.4 GB (dim 300 x 2M buckets).
    await rm(out, { recursive: true, force: true });
  }
}

/** Notes every finished job, and when the search ended and the test retrain began. */
class JobRecorder implements TuneProgress {
  readonly jobs: JobLine[] = [];
  searchSeconds: number | undefined;
  private readonly start = performance.now();

  elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }

  started(): void {}

  finished(record: TrialRecord): void {
    this.jobs.push({
      trial: record.trialId,
      rung: record.rung,
      epochs: record.epochs,
      score: record.status === "ok" ? (record.score ?? null) : null,
      seconds: record.seconds,
      finishedAt: this.elapsed(),
      origin: record.origin,
    });
  }

  testing(): void {
    this.searchSeconds = this.elapsed();
  }
}
