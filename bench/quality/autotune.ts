import { spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { evaluate } from "../../lib/trainer";
import { bestSoFar, type JobLine, type RunOutcome } from "./outcome";
import type { Task } from "./protocol";

/** fastText's own tuner for as many seconds as rungs took on the same set and seed. */
export interface AutotuneTask extends Omit<Task, "budget"> {
  readonly seconds: number;
}

/**
 * Address space fastText may take: about what two of rungs' largest jobs
 * (dim 300 x 2M buckets, 2.4 GB each) use. autotune samples dim up to 1000
 * and buckets up to 10M, 40 GB at worst, on a machine other runs share;
 * fastText skips a sample whose model cannot be allocated and goes on.
 */
const MEMORY_LIMIT = 6 * 2 ** 30;

/**
 * `fasttext supervised -autotune-validation` with `-thread` equal to the
 * other methods' total threads. fastText trains the best arguments once more
 * after the time is up, on train.txt, so its model is the retrained one, and
 * its search seconds include that retrain.
 *
 * At `-verbose 3` fastText prints every trial's arguments and score, which
 * gives its epochs and a curve. Its score is F1 at one prediction per line;
 * for single-label sets that equals P@1, and on multi-label sets it is
 * converted (see `precisionFromF1`).
 */
export async function runAutotune(task: AutotuneTask): Promise<RunOutcome> {
  const scratch = join(task.scratch, `autotune-${task.set.name}-seed${task.seed}`);
  await mkdir(scratch, { recursive: true });
  const model = join(scratch, "model");
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const common = {
    method: "autotune" as const,
    set: task.set.name,
    seed: task.seed,
    budget: null,
  };

  try {
    const seconds = Math.max(1, Math.round(task.seconds));
    const run = await runToEnd(seconds, "prlimit", [
      `--as=${MEMORY_LIMIT}`,
      process.env.RUNGS_FASTTEXT || "fasttext",
      "supervised",
      ...["-input", task.set.train, "-output", model],
      ...["-autotune-validation", task.set.valid],
      ...["-autotune-duration", String(seconds)],
      ...["-thread", String(task.workers), "-seed", String(task.seed), "-verbose", "3"],
    ]);
    const searchSeconds = elapsed();
    if (run.code !== 0) {
      const failure = `fasttext autotune exited with ${run.code}: ${run.stderr}`;
      const empty = { epochs: 0, curve: [], jobs: [] };
      return { ...common, ...empty, searchSeconds, totalSeconds: searchSeconds, failure };
    }

    const valid = await evaluate(`${model}.bin`, task.set.valid);
    const log = readAutotuneLog(run.stdout, (1 + valid.precision / valid.recall) / 2);
    const scores = await evaluate(`${model}.bin`, task.set.test);
    const best = log.trials
      .filter((t) => t.score !== null)
      .reduce<JobLine | undefined>(
        (b, t) => (b && b.score! >= t.score! ? b : t),
        undefined,
      );

    return {
      ...common,
      epochs: log.trials.reduce((sum, t) => sum + t.epochs, 0),
      epochsCutShort: log.cutShort,
      searchSeconds,
      totalSeconds: elapsed(),
      ...(best === undefined
        ? {}
        : {
            chosen: {
              trial: best.trial,
              config: log.final,
              epochs: Number(log.final.epoch),
              validScore: best.score!,
            },
          }),
      testScore: scores.precision,
      curve: bestSoFar(log.trials),
      jobs: log.trials,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface AutotuneLog {
  /** Trials that ran to the end, in order; a diverged one has a null score. */
  readonly trials: JobLine[];
  /** Epochs of the trial the time limit stopped. */
  readonly cutShort: number;
  /** The arguments fastText retrained with. */
  readonly final: Record<string, number | string>;
}

/**
 * Reads the `name = value` lines fastText prints: each trial is `Trial = n`,
 * its arguments, then `currentScore` and `train took` unless the time limit
 * stopped it; `Best selected args` precedes the retrained arguments.
 */
function readAutotuneLog(stdout: string, share: number): AutotuneLog {
  const trials: JobLine[] = [];
  let current: Record<string, string> | undefined;
  let final: Record<string, string> | undefined;
  let cutShort = 0;
  let finishedAt = 0;

  for (const line of stdout.split("\n")) {
    const match = /^(.+?) = (.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, key, value] = match as unknown as [string, string, string];
    if (final !== undefined) final[key] = value;
    else if (key === "Trial") current = { trial: value };
    else if (key === "Best selected args") {
      // A trial still open here is the one the time limit stopped.
      cutShort = Number(current?.epoch ?? 0);
      final = {};
    } else if (current !== undefined && key !== "train took") current[key] = value;
    else if (current !== undefined) {
      finishedAt += Number(value);
      trials.push(trialLine(current, Number(value), finishedAt, share));
      current = undefined;
    }
  }
  return { trials, cutShort, final: numbersWhereNumeric(final ?? {}) };
}

function trialLine(
  fields: Record<string, string>,
  seconds: number,
  finishedAt: number,
  share: number,
): JobLine {
  const f1 = Number(fields.currentScore);
  const scored = Number.isFinite(f1);
  return {
    trial: `a${fields.trial}`,
    rung: 0,
    // A trial without a score diverged or could not allocate its model; how
    // many epochs it trained is not printed, so it counts none.
    epochs: scored ? Number(fields.epoch) : 0,
    score: scored ? precisionFromF1(f1, share) : null,
    seconds,
    finishedAt,
  };
}

/**
 * With one prediction per line, F1 = 2 TP / (N + G) for N lines and G true
 * labels, P@1 = TP / N and R@1 = TP / G, so P@1 = F1 (N + G) / 2N, which is
 * F1 (1 + P@1 / R@1) / 2: `share`, read off any model's validation scores,
 * and 1 on single-label sets.
 */
function precisionFromF1(f1: number, share: number): number {
  return Number((f1 * share).toFixed(6));
}

function numbersWhereNumeric(fields: Record<string, string>) {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]),
  );
}

/** How a command ended, with its output (the end of stderr only). */
interface Ended {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs autotune to its end, sending it SIGINT (its "stop and keep the best")
 * once `seconds` are up. fastText 0.9.2 starts its timer thread before it
 * marks the search as running; when that thread looks first, it ends at once
 * and the search never stops (seen on cooking: 19 minutes for 69 seconds).
 * A SIGINT after its own timer has fired changes nothing. Rejects only if
 * the command cannot be started.
 */
function runToEnd(seconds: number, command: string, args: readonly string[]) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const deadline = setTimeout(() => child.kill("SIGINT"), seconds * 1000);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  return new Promise<Ended>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr: lastLine(stderr) });
    });
  });
}

/** fastText rewrites its progress line with carriage returns; the last line says why it stopped. */
function lastLine(stderr: string): string {
  const lines = stderr.split(/[\r\n]+/).filter((line) => line.trim() !== "");
  return lines.at(-1)?.trim() ?? "(no output on stderr)";
}
