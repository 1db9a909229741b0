/**
 * Were a method's choices bad configurations, or good ones trained too
 * briefly (or for longer than the others could)? Retrains each run's chosen
 * configuration for the given epochs and scores it on valid and test, beside
 * the scores it was chosen with.
 *
 *   npx tsx bench/quality/train-longer.ts --set 20newsgroups [--methods rungs,asha] [--epochs 9,27]
 *
 * Epochs must be rungs of the full default ladder (1, 3, 9, 27): the engine's
 * methods train each rung with its own decayed learning rate, which the
 * retrain reproduces. autotune's choices keep their learning rate, as autotune
 * decays none, and lose the epoch count autotune chose.
 *
 * Reads <results>/quality/<set>/*.json; writes <results>/quality-longer-<set>.md.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { evaluate, trainFastText } from "../../lib/trainer";
import type { Chosen, RunOutcome } from "./outcome";
import { type DataSet, dataSet, defaultLadder } from "./protocol";

/** The default ladder at its full height (1, 3, 9, 27 epochs): a budget that reaches every rung. */
const FULL_LADDER = defaultLadder(1_000_000);

const RESULTS = join(__dirname, "..", "results");

/** autotune's options that are not training options of one model: fastText's `epoch` is what this script sets, `dsub` only applies when quantizing. */
const AUTOTUNE_ONLY = ["epoch", "dsub"];

/** The chosen configuration as the rung that trains `epochs` would train it. */
function atRung(outcome: RunOutcome, epochs: number): Record<string, number | string> {
  const chosen = outcome.chosen!;
  if (outcome.method === "autotune") {
    return Object.fromEntries(
      Object.entries(chosen.config).filter(([name]) => !AUTOTUNE_ONLY.includes(name)),
    );
  }

  const base = Number(chosen.config.lr) / FULL_LADDER.lrDecay ** rungOf(chosen);
  const lr = FULL_LADDER.learningRate(base, FULL_LADDER.epochs.indexOf(epochs));
  return { ...chosen.config, lr: Number(lr.toPrecision(6)) };
}

function rungOf(chosen: Chosen): number {
  return FULL_LADDER.epochs.indexOf(chosen.epochs);
}

/** "valid | test" P@1 of one model; single-threaded, as the search trains. */
async function scoresAt(set: DataSet, outcome: RunOutcome, epochs: number) {
  const trained = await trainFastText({
    trainFile: set.train,
    validationFile: set.valid,
    epochs,
    config: atRung(outcome, epochs),
    threads: 1,
    keepModel: true,
    workDir: join(tmpdir(), "rungs-quality"),
  });
  if (trained.status === "failed") return `failed: ${trained.reason} | –`;

  try {
    const test = await evaluate(trained.modelPath!, set.test);
    return `${trained.score.toFixed(4)} | ${test.precision.toFixed(4)}`;
  } finally {
    await rm(trained.modelPath!, { force: true });
  }
}

/** Whether the chosen configuration can be retrained as this script does. */
function retrainable(outcome: RunOutcome): boolean {
  if (outcome.chosen === undefined) return false;
  return outcome.method === "autotune" || rungOf(outcome.chosen) >= 0;
}

async function main(): Promise<void> {
  const flags = new Command()
    .requiredOption("--set <name>", "a set with results in <results>/quality/")
    .option("--methods <names>", "comma-separated methods", "rungs,asha")
    .option("--epochs <list>", "comma-separated epochs, each a rung of 1, 3, 9, 27", "27")
    .option("--results <dir>", "where quality/ is read and the table written", RESULTS)
    .parse()
    .opts<{ set: string; methods: string; epochs: string; results: string }>();
  const set = dataSet(flags.set);
  const methods = flags.methods.split(",");
  const epochsList = flags.epochs.split(",").map(Number);
  const notRungs = epochsList.filter((e) => !FULL_LADDER.epochs.includes(e));
  if (notRungs.length > 0) {
    process.stderr.write(
      `--epochs ${notRungs.join(",")}: not a rung of ${FULL_LADDER.epochs.join(", ")}; pick among those\n`,
    );
    process.exitCode = 2;
    return;
  }

  const dir = join(flags.results, "quality", flags.set);
  const header = epochsList
    .map((e) => `valid P@1 at ${e} | test P@1 at ${e}`)
    .join(" | ");
  const rows = [
    `| method | seed | chosen epochs | valid P@1 | test P@1 | ${header} |`,
    `|---|---|---|---|---|${"---|---|".repeat(epochsList.length)}`,
  ];
  for (const file of (await readdir(dir)).sort()) {
    const outcome = JSON.parse(await readFile(join(dir, file), "utf8")) as RunOutcome;
    if (!methods.includes(outcome.method) || !retrainable(outcome)) continue;

    const scores: string[] = [];
    for (const epochs of epochsList) scores.push(await scoresAt(set, outcome, epochs));
    rows.push(
      `| ${outcome.method} | ${outcome.seed} | ${outcome.chosen!.epochs} | ${outcome.chosen!.validScore.toFixed(4)} | ${outcome.testScore?.toFixed(4) ?? "–"} | ${scores.join(" | ")} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }

  const table = `${rows.join("\n")}\n`;
  await writeFile(join(flags.results, `quality-longer-${flags.set}.md`), table);
  process.stdout.write(table);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
