import type { Command } from "commander";
import { tune } from "../local/tune";
import { tuneProgress } from "./progress";
import { parseTuneFlags, TUNE_DEFAULTS, type TuneFlags } from "./tune-flags";

/** `rungs tune`: flags in, a tuned configuration out; the engine decides every job. */
export function addTuneCommand(program: Command): void {
  const d = TUNE_DEFAULTS;
  program
    .command("tune")
    .description("Tune a fastText classifier on this machine with ASHA plus evolution.")
    .option("--train <file>", "training file in fastText format (required)")
    .option("--valid <file>", "validation file the search optimises (required)")
    .option(
      "--test <file>",
      "test file: the best configuration is retrained and scored on it",
    )
    .option("--budget <epochs>", "total epochs to spend, retrains included", d.budget)
    .option("--workers <n>", "fastText jobs at once (default: cores)", d.workers)
    .option("--threads <n>", "fastText threads per job", d.threads)
    .option("--seed <n>", "seed of the search", d.seed)
    .option("--space <file>", "search space JSON (default: 11 fastText hyperparameters)")
    .option("--out <dir>", "output directory; the same command again resumes", d.out)
    .option("--metric <name>", "precision or recall, at k = 1", d.metric)
    .option("--min-epochs <r>", "epochs on the bottom rung (r)", d.minEpochs)
    .option(
      "--max-epochs <R>",
      "epochs on the top rung, at most (R) (default: up to 27, as high as the budget can reach)",
    )
    .option("--eta <n>", "reduction factor: the top 1/eta of a rung is promoted", d.eta)
    .option("--lr-decay <x>", "learning-rate multiplier per rung", d.lrDecay)
    .option(
      "--promotion <rule>",
      "bounded (capped, O(1) reads) or exact (the paper's)",
      d.promotion,
    )
    .option(
      "--evolution <mode>",
      "auto, off (plain ASHA) or on (always mutate)",
      d.evolution,
    )
    .option("--timeout <seconds>", "wall-clock limit per job; slower jobs fail")
    .option(
      "--fasttext <path>",
      "fastText binary (default: $RUNGS_FASTTEXT or fasttext on PATH)",
    )
    .action(async (flags: TuneFlags) => {
      process.exitCode = await runTune(flags);
    });
}

async function runTune(flags: TuneFlags): Promise<number> {
  const options = await parseTuneFlags(flags);
  const progress = tuneProgress(process.stderr);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once("SIGINT", onSigint);
  process.once("SIGTERM", onSigint);

  const summary = await tune(options, progress, interrupt.signal).finally(() => {
    progress.stop();
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  });

  const { run, best } = summary;
  if (summary.interrupted) {
    process.stderr.write(
      `\nStopped after ${run.spent} of ${run.settings.budget} epochs; finished jobs are kept in ${summary.directory}.\n` +
        "Run the same command again to resume.\n",
    );
    return 130;
  }
  if (best === undefined) {
    process.stderr.write(
      `Every job failed; see the reasons in ${summary.directory}/trials.jsonl.\n`,
    );
    return 1;
  }

  process.stdout.write(
    [
      `best ${best.metric} ${best.score.toFixed(4)} (validation) after ${run.spent} epochs: ${best.trialId}, ${best.epochs} epochs`,
      ...(best.testScore === undefined
        ? []
        : [`test ${best.metric} ${best.testScore.toFixed(4)}`]),
      ...(best.testError === undefined
        ? []
        : [`test score unavailable: ${best.testError}`]),
      `config ${JSON.stringify(best.config)}`,
      `results in ${summary.directory}/ (best.json, trials.jsonl${best.model ? ", best.bin" : ""})`,
      "",
    ].join("\n"),
  );
  return 0;
}
