/**
 * How long rungs takes per epoch on each set, to size the benchmark's
 * budgets. Runs `rungs tune` with default settings and a small budget, then
 * fits each job's seconds as a fixed cost plus a cost per epoch: the fixed
 * part (allocating and saving a model of up to 300 x 2M floats, then
 * scoring it) dominates on small sets.
 *
 *   npx tsx bench/quality/calibrate.ts [--sets ag_news,cooking] [--budget 40] [--seed 1]
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { runEngine } from "./engine-methods";
import type { JobLine } from "./outcome";
import { dataSet, WORKERS } from "./protocol";

interface Fit {
  readonly perJob: number;
  readonly perEpoch: number;
}

/** Least squares of seconds = perJob + perEpoch * epochs. */
function fitJobSeconds(jobs: readonly JobLine[]): Fit {
  const n = jobs.length;
  const mean = (f: (j: JobLine) => number) => jobs.reduce((s, j) => s + f(j), 0) / n;
  const x = mean((j) => j.epochs);
  const y = mean((j) => j.seconds);
  const covariance = mean((j) => (j.epochs - x) * (j.seconds - y));
  const variance = mean((j) => (j.epochs - x) ** 2);
  const perEpoch = variance === 0 ? 0 : covariance / variance;
  return { perJob: y - perEpoch * x, perEpoch };
}

async function main(): Promise<void> {
  const options = new Command()
    .option("--sets <names>", "comma-separated sets", "ag_news,cooking,20newsgroups")
    .option("--budget <epochs>", "epochs per set", "40")
    .option("--seed <n>", "seed of the search", "1")
    .parse()
    .opts<{ sets: string; budget: string; seed: string }>();

  const rows = [
    "| set | jobs | epochs | wall s | wall s / epoch | s per job | s per epoch |",
  ];
  rows.push("|---|---|---|---|---|---|---|");
  for (const name of options.sets.split(",")) {
    const outcome = await runEngine("rungs", {
      set: dataSet(name),
      seed: Number(options.seed),
      budget: Number(options.budget),
      workers: WORKERS,
      scratch: join(tmpdir(), "rungs-quality"),
    });
    const fit = fitJobSeconds(outcome.jobs);
    const wall = outcome.searchSeconds;
    rows.push(
      `| ${name} | ${outcome.jobs.length} | ${outcome.epochs} | ${wall.toFixed(0)} | ${(wall / outcome.epochs).toFixed(2)} | ${fit.perJob.toFixed(2)} | ${fit.perEpoch.toFixed(2)} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
  }
  process.stdout.write(`\n${rows.join("\n")}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
