import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { DEFAULT_FASTTEXT_SPACE } from "../../lib/engine";
import { trainFastText } from "../../lib/trainer";
import { bestSoFar, type Chosen, type JobLine, type RunOutcome } from "./outcome";
import { defaultLadder, PYTHON, type Task } from "./protocol";

const SCRIPT = join(__dirname, "optuna_search.py");

/** A line optuna_search.py prints per finished training. */
interface Report {
  readonly trial: number;
  readonly rung: number;
  readonly epochs: number;
  readonly score: number | null;
  readonly seconds: number;
  readonly finishedAt: number;
  readonly config: Record<string, number | string>;
}

/**
 * Optuna's TPE sampler with its successive-halving pruner on rungs' space,
 * ladder and budget (see optuna_search.py), then the best training retrained
 * on train.txt and scored on test.txt by rungs' own trainer.
 */
export async function runOptuna(task: Task): Promise<RunOutcome> {
  const scratch = join(task.scratch, `optuna-${task.set.name}-seed${task.seed}`);
  await mkdir(scratch, { recursive: true });
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  try {
    const reports = await search(task, scratch);
    const searchSeconds = elapsed();
    const jobs = reports.map(jobLine);
    const common = {
      method: "optuna" as const,
      set: task.set.name,
      seed: task.seed,
      budget: task.budget,
      epochs: jobs.reduce((sum, job) => sum + job.epochs, 0),
      searchSeconds,
      curve: bestSoFar(jobs),
      jobs,
    };
    const chosen = choose(reports);
    if (chosen === undefined) {
      return { ...common, totalSeconds: searchSeconds, failure: "every job failed" };
    }

    const test = await trainFastText({
      trainFile: task.set.train,
      validationFile: task.set.test,
      epochs: chosen.epochs,
      config: chosen.config,
      threads: 1,
      workDir: scratch,
    });
    const scored =
      test.status === "ok" ? { testScore: test.score } : { failure: test.reason };
    return { ...common, totalSeconds: elapsed(), chosen, ...scored };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Runs the study and collects its reports; rejects if Python fails. */
function search(task: Task, scratch: string): Promise<Report[]> {
  const ladder = defaultLadder(task.budget);
  const input = {
    train: task.set.train,
    valid: task.set.valid,
    seed: task.seed,
    budget: task.budget,
    jobs: task.workers,
    rungs: ladder.epochs,
    eta: ladder.eta,
    lrDecay: ladder.lrDecay,
    space: DEFAULT_FASTTEXT_SPACE,
    fasttext: process.env.RUNGS_FASTTEXT || "fasttext",
    scratch,
  };
  const child = spawn(PYTHON, [SCRIPT, JSON.stringify(input)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const reports: Report[] = [];
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const parsed = JSON.parse(line) as Report | { done: true };
    if (!("done" in parsed)) reports.push(parsed);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(reports);
      else reject(new Error(`optuna_search.py exited with ${code}: ${stderr}`));
    });
  });
}

function jobLine(report: Report): JobLine {
  return {
    trial: `o${report.trial}`,
    rung: report.rung,
    epochs: report.epochs,
    score: report.score,
    seconds: report.seconds,
    finishedAt: report.finishedAt,
  };
}

/** The best training at any rung, the earlier trial on a tie: the rule rungs' store applies. */
function choose(reports: readonly Report[]): Chosen | undefined {
  const ranked = reports
    .filter((r) => r.score !== null)
    .sort((a, b) => b.score! - a.score! || a.trial - b.trial);
  const best = ranked[0];
  if (best === undefined) return undefined;
  return {
    trial: `o${best.trial}`,
    config: best.config,
    epochs: best.epochs,
    validScore: best.score!,
  };
}
