/**
 * Does rungs find better fastText models per epoch than the tuners users
 * would pick instead? Runs rungs, plain ASHA, random search and Optuna at the
 * same epoch budget, and fastText's autotune for the seconds rungs took, on
 * each set and seed; then retrains each one's choice and scores it on test.
 *
 *   npx tsx bench/quality/run.ts [--quick] [--sets ag_news,cooking] [--seeds 3]
 *     [--methods rungs,asha] [--budget 300] [--results dir]
 *
 * Writes quality.md, quality.svg and one JSON per run under quality/ in
 * bench/results/ (with --quick: quality-quick.*). A run whose JSON is
 * already there is read, not run again, so a killed benchmark resumes; pass
 * --fresh to run everything again, or --report-only to run nothing.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { runAutotune } from "./autotune";
import { runEngine } from "./engine-methods";
import { runOptuna } from "./optuna";
import { METHODS, type Method, type RunOutcome } from "./outcome";
import { qualityPlot } from "./plot";
import { environmentProblems } from "./preflight";
import { dataSet, FULL, QUICK, type Scale, type Task, WORKERS } from "./protocol";
import { qualityReport } from "./report";

interface Flags {
  readonly quick?: boolean;
  readonly sets?: string;
  readonly seeds?: string;
  readonly methods?: string;
  readonly budget?: string;
  readonly fresh?: boolean;
  readonly reportOnly?: boolean;
  readonly results: string;
}

const RESULTS = join(__dirname, "..", "results");

async function main(): Promise<void> {
  const flags = new Command()
    .option("--quick", "smoke run: one small set, one seed, tiny budget")
    .option("--sets <names>", "comma-separated sets (default: the scale's)")
    .option("--seeds <n>", "seeds 1..n (default: the scale's)")
    .option("--methods <names>", `comma-separated, of ${METHODS.join(", ")}`)
    .option("--budget <epochs>", "one epoch budget for every set (default: the scale's)")
    .option("--fresh", "run again even where a run's JSON exists")
    .option("--report-only", "run nothing: rebuild the report from the JSON there is")
    .option("--results <dir>", "where the report, plot and JSON go", RESULTS)
    .parse()
    .opts<Flags>();

  const scale = withBudget(flags.quick ? QUICK : FULL, flags.budget);
  const sets = flags.sets?.split(",") ?? scale.sets;
  const seeds = range(Number(flags.seeds ?? scale.seeds));
  const methods = (flags.methods?.split(",") ?? [...METHODS]) as Method[];
  const problems = flagProblems(scale, sets, seeds, methods);
  if (problems.length === 0 && !flags.reportOnly) {
    problems.push(...environmentProblems(sets, methods));
  }
  if (problems.length > 0) {
    process.stderr.write(`${problems.map((p) => `- ${p}`).join("\n")}\n`);
    process.exitCode = 2;
    return;
  }

  const name = flags.quick ? "quality-quick" : "quality";
  const rawDir = join(flags.results, name);
  const outcomes: RunOutcome[] = [];
  for (const set of sets) {
    for (const seed of seeds) {
      for (const method of methods) {
        const file = join(rawDir, set, `${method}-seed${seed}.json`);
        const saved = flags.fresh ? undefined : await readOutcome(file);
        if (saved === undefined && flags.reportOnly) continue;
        checkSameBudget(saved, scale.budgets[set]!, file);
        const outcome =
          saved ?? (await runAndSave(method, taskFor(scale, set, seed), outcomes, file));
        outcomes.push(outcome);
      }
    }
  }

  const plot = `${name}.svg`;
  const budgets = Object.fromEntries(sets.map((s) => [s, scale.budgets[s]!]));
  const panels = sets.map((set) => ({
    set,
    budget: budgets[set]!,
    outcomes: outcomes.filter((o) => o.set === set),
  }));
  await mkdir(flags.results, { recursive: true });
  await writeFile(join(flags.results, plot), qualityPlot(panels));
  const report = qualityReport({
    command: commandLine(),
    machines: machinesOf(outcomes),
    sets,
    seeds,
    budgets,
    outcomes,
    plot,
  });
  await writeFile(join(flags.results, `${name}.md`), report);
  process.stdout.write(report);
}

/** The scale with every set's budget replaced, when --budget is given. */
function withBudget(scale: Scale, budget: string | undefined): Scale {
  if (budget === undefined) return scale;
  const names = Object.keys(scale.budgets);
  return { ...scale, budgets: Object.fromEntries(names.map((n) => [n, Number(budget)])) };
}

function taskFor(scale: Scale, set: string, seed: number): Task {
  return {
    set: dataSet(set),
    seed,
    budget: scale.budgets[set]!,
    workers: WORKERS,
    scratch: join(tmpdir(), "rungs-quality"),
  };
}

/** Runs one method; autotune gets the seconds of rungs' search on the same set and seed. */
async function runAndSave(
  method: Method,
  task: Task,
  earlier: readonly RunOutcome[],
  file: string,
): Promise<RunOutcome> {
  const label = `[${task.set.name} seed ${task.seed}] ${method}`;
  process.stderr.write(`${label}: started ${new Date().toISOString()}\n`);
  const outcome = {
    ...(await runMethod(method, task, earlier)),
    machine: describeMachine(),
  };
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, `${JSON.stringify(outcome)}\n`);
  process.stderr.write(`${label}: ${summary(outcome)}\n`);
  return outcome;
}

function runMethod(
  method: Method,
  task: Task,
  earlier: readonly RunOutcome[],
): Promise<RunOutcome> {
  if (method === "optuna") return runOptuna(task);
  if (method !== "autotune") return runEngine(method, task);

  const rungs = earlier.find(
    (o) => o.method === "rungs" && o.set === task.set.name && o.seed === task.seed,
  );
  if (rungs === undefined) {
    throw new Error(
      `autotune on ${task.set.name} seed ${task.seed} needs rungs' run first, for its seconds; add rungs to --methods`,
    );
  }
  return runAutotune({ ...task, seconds: rungs.searchSeconds });
}

async function readOutcome(file: string): Promise<RunOutcome | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as RunOutcome;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** A saved run of another budget would mix two benchmarks in one table. */
function checkSameBudget(saved: RunOutcome | undefined, budget: number, file: string) {
  if (saved === undefined || saved.budget === null || saved.budget === budget) return;
  throw new Error(
    `${file} holds a run with a budget of ${saved.budget} epochs, not ${budget}; pass another --results directory, or --fresh to replace it`,
  );
}

function summary(outcome: RunOutcome): string {
  const test = outcome.testScore?.toFixed(4) ?? `none (${outcome.failure})`;
  const valid = outcome.chosen?.validScore.toFixed(4) ?? "-";
  return `test ${test}, valid ${valid}, ${outcome.epochs} epochs, ${outcome.searchSeconds.toFixed(0)} s search, ${outcome.totalSeconds.toFixed(0)} s in all`;
}

/** Every problem with the flags, each naming the value and what is allowed. */
function flagProblems(
  scale: Scale,
  sets: readonly string[],
  seeds: readonly number[],
  methods: readonly string[],
): string[] {
  const known = Object.keys(scale.budgets);
  const budget = Object.values(scale.budgets)[0];
  return [
    ...(Number.isInteger(budget) && budget! >= 1
      ? []
      : [`--budget: received ${budget}; must be a whole number of epochs >= 1`]),
    ...sets
      .filter((s) => !known.includes(s))
      .map((s) => `--sets: "${s}" has no budget here; allowed: ${known.join(", ")}`),
    ...(seeds.length === 0 ? ["--seeds: must be a whole number >= 1"] : []),
    ...methods
      .filter((m) => !(METHODS as readonly string[]).includes(m))
      .map((m) => `--methods: "${m}" is not one of ${METHODS.join(", ")}`),
  ];
}

function range(n: number): number[] {
  return Number.isInteger(n) && n > 0 ? Array.from({ length: n }, (_, i) => i + 1) : [];
}

/**
 * The machines the runs were made on, as each run recorded it: a report
 * rebuilt with --report-only elsewhere still names where the runs happened.
 */
function machinesOf(outcomes: readonly RunOutcome[]): string {
  const machines = [...new Set(outcomes.map((o) => o.machine ?? "not recorded"))];
  return machines.join("; ");
}

function describeMachine(): string {
  const cores = cpus();
  const memory = (totalmem() / 2 ** 30).toFixed(0);
  return `${cores.length} × ${cores[0]?.model ?? "unknown CPU"}, ${memory} GB RAM, Linux ${release()}, Node ${process.version}`;
}

/** The command that ran the benchmark: flags that only choose what to rerun are left out. */
function commandLine(): string {
  const args = process.argv
    .slice(2)
    .filter((a) => a !== "--report-only" && a !== "--fresh");
  return ["npx tsx bench/quality/run.ts", ...args].join(" ");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
