import { METHODS, type Method, type RunOutcome } from "./outcome";
import { defaultLadder } from "./protocol";
import { median, medianAndRange } from "./stats";

export interface ReportInput {
  /** The command line that produced the results. */
  readonly command: string;
  /** Where the runs were made, from the runs themselves. */
  readonly machines: string;
  readonly sets: readonly string[];
  readonly seeds: readonly number[];
  /** Epoch budget per set. */
  readonly budgets: Readonly<Record<string, number>>;
  readonly outcomes: readonly RunOutcome[];
  /** File name of the plot, beside the report. */
  readonly plot: string;
}

/** bench/results/quality.md: how the runs were made, then one row per set and method. */
export function qualityReport(input: ReportInput): string {
  const rows = input.sets.flatMap((set) =>
    METHODS.map((method) => row(set, method, input.outcomes)),
  );
  return [
    "# Tuning quality at an equal epoch budget",
    "",
    `Command: \`${input.command}\`  `,
    `Machine: ${input.machines}  `,
    `Seeds: ${input.seeds.join(", ")}; budgets (epochs per run) and the default rungs they reach: ${input.sets.map(budgetAndRungs(input.budgets)).join("; ")}.`,
    "Random search trains every configuration for the top rung's epochs; Optuna's pruner is given the same rungs.",
    "",
    "Every method runs 2 trainings at once with 1 fastText thread each, except autotune: `-thread 2`, given the seconds rungs' search took on the same set and seed.",
    "Each cell is the median over seeds, with the range (min–max) in brackets.",
    "Test P@1 is the chosen configuration retrained on train.txt and scored on test.txt;",
    "the chosen configuration is the one with the best validation P@1 at any rung, with the epochs and the decayed lr it was trained with there.",
    "",
    "| set | method | test P@1 | valid P@1 | chosen epochs | epochs spent | search s | total s | jobs | runs |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...input.sets.map((set) => verdict(set, input.outcomes)),
    "",
    "autotune's epochs are counted from its `-verbose 3` log: the trials that finished, without the trial the time limit cut short and without its final retrain; its jobs are its trials.",
    "",
    `![best validation P@1 against epochs spent, median over seeds](${input.plot})`,
    "",
  ].join("\n");
}

function row(set: string, method: Method, outcomes: readonly RunOutcome[]): string {
  const runs = outcomes.filter((o) => o.set === set && o.method === method);
  const pick = (f: (o: RunOutcome) => number | undefined) =>
    runs.flatMap((o) => {
      const value = f(o);
      return value === undefined ? [] : [value];
    });
  const tested = pick((o) => o.testScore).length;
  const cutShort = median(pick((o) => o.epochsCutShort));
  const epochs = medianAndRange(
    pick((o) => o.epochs),
    0,
  );
  const cells = [
    set,
    method === "rungs" ? "**rungs**" : method,
    medianAndRange(
      pick((o) => o.testScore),
      4,
    ),
    medianAndRange(
      pick((o) => o.chosen?.validScore),
      4,
    ),
    medianAndRange(
      pick((o) => o.chosen?.epochs),
      0,
    ),
    cutShort === undefined || cutShort === 0
      ? epochs
      : `${epochs} (+${cutShort} cut short)`,
    medianAndRange(
      pick((o) => o.searchSeconds),
      0,
    ),
    medianAndRange(
      pick((o) => o.totalSeconds),
      0,
    ),
    medianAndRange(
      pick((o) => o.jobs.length),
      0,
    ),
    runs.length === tested ? String(runs.length) : `${tested} of ${runs.length} scored`,
  ];
  return `| ${cells.join(" | ")} |`;
}

/** One line per set: how rungs' median test P@1 compares with the best other method's. */
function verdict(set: string, outcomes: readonly RunOutcome[]): string {
  const medianTest = (method: Method) =>
    median(
      outcomes.flatMap((o) =>
        o.set === set && o.method === method && o.testScore !== undefined
          ? [o.testScore]
          : [],
      ),
    );
  const ours = medianTest("rungs");
  const others = METHODS.filter((m) => m !== "rungs").flatMap((method) => {
    const value = medianTest(method);
    return value === undefined ? [] : [{ method, value }];
  });
  if (ours === undefined || others.length === 0) return `- ${set}: not enough runs.`;
  const best = others.reduce((a, b) => (b.value > a.value ? b : a));
  const gap = ours - best.value;
  const word = gap >= 0 ? "ahead of" : "behind";
  return `- ${set}: rungs ${ours.toFixed(4)}, ${Math.abs(gap).toFixed(4)} ${word} the best other method (${best.method}, ${best.value.toFixed(4)}).`;
}

const budgetAndRungs = (budgets: Readonly<Record<string, number>>) => (set: string) => {
  const budget = budgets[set]!;
  return `${set} ${budget} (${defaultLadder(budget).epochs.join(", ")} epochs)`;
};
