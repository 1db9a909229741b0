/**
 * Were a method's choices bad configurations, or good ones trained too
 * briefly? Retrains each run's chosen configuration for the top rung's
 * epochs of the full default ladder, 27 (with that rung's learning rate),
 * and scores it on valid and test, beside the scores it was chosen with.
 *
 *   npx tsx bench/quality/train-longer.ts --set 20newsgroups [--methods rungs,asha]
 *
 * Reads bench/results/quality/<set>/*.json; writes bench/results/quality-longer-<set>.md.
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
const TOP_EPOCHS = FULL_LADDER.epochsAt(FULL_LADDER.topRung);

const RESULTS = join(__dirname, "..", "results");

/** The chosen configuration as the top rung would train it: its base lr decayed for that rung. */
function atTopRung(chosen: Chosen): Record<string, number | string> {
  const rung = FULL_LADDER.epochs.indexOf(chosen.epochs);
  const lr = Number(chosen.config.lr);
  const base = lr / FULL_LADDER.lrDecay ** rung;
  const top = FULL_LADDER.learningRate(base, FULL_LADDER.topRung);
  return { ...chosen.config, lr: Number(top.toPrecision(6)) };
}

/** "valid | test" P@1 of one model trained at the top rung; single-threaded, so as the search would train it. */
async function scoresAtTopRung(set: DataSet, chosen: Chosen): Promise<string> {
  const trained = await trainFastText({
    trainFile: set.train,
    validationFile: set.valid,
    epochs: TOP_EPOCHS,
    config: atTopRung(chosen),
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

async function main(): Promise<void> {
  const flags = new Command()
    .requiredOption("--set <name>", "a set with results in bench/results/quality/")
    .option("--methods <names>", "comma-separated methods", "rungs,asha")
    .parse()
    .opts<{ set: string; methods: string }>();
  const set = dataSet(flags.set);
  const methods = flags.methods.split(",");
  const dir = join(RESULTS, "quality", flags.set);

  const rows = [
    `| method | seed | chosen epochs | valid P@1 | test P@1 | valid P@1 at ${TOP_EPOCHS} | test P@1 at ${TOP_EPOCHS} |`,
    "|---|---|---|---|---|---|---|",
  ];
  for (const file of (await readdir(dir)).sort()) {
    const outcome = JSON.parse(await readFile(join(dir, file), "utf8")) as RunOutcome;
    if (!methods.includes(outcome.method) || outcome.chosen === undefined) continue;
    if (!FULL_LADDER.epochs.includes(outcome.chosen.epochs)) continue;

    const scores = await scoresAtTopRung(set, outcome.chosen);
    rows.push(
      `| ${outcome.method} | ${outcome.seed} | ${outcome.chosen.epochs} | ${outcome.chosen.validScore.toFixed(4)} | ${outcome.testScore?.toFixed(4) ?? "–"} | ${scores} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }

  const table = `${rows.join("\n")}\n`;
  await writeFile(join(RESULTS, `quality-longer-${flags.set}.md`), table);
  process.stdout.write(table);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
