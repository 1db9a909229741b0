import { join } from "node:path";
import { parseSettings, RungLadder } from "../../lib/engine";

/**
 * Where the shared datasets live: RUNGS_BENCH_DATA when set, so a clone
 * anywhere can use them, else ../shared/data from the repository root.
 */
export const DATA_ROOT =
  process.env.RUNGS_BENCH_DATA ?? join(__dirname, "..", "..", "..", "shared", "data");

/** Debian's interpreter, the one python3-optuna is installed for. */
export const PYTHON = "/usr/bin/python3";

/** A dataset in fastText format, split three ways. */
export interface DataSet {
  readonly name: string;
  readonly train: string;
  readonly valid: string;
  readonly test: string;
}

export function dataSet(name: string): DataSet {
  const file = (split: string) => join(DATA_ROOT, name, `${split}.txt`);
  return { name, train: file("train"), valid: file("valid"), test: file("test") };
}

/** One run of one method: a set, a seed, and what it may spend. */
export interface Task {
  readonly set: DataSet;
  readonly seed: number;
  /** Epochs, summed over every training of the search. */
  readonly budget: number;
  /** Trainings at once, one fastText thread each. */
  readonly workers: number;
  /** A directory for models and run state, emptied after the run. */
  readonly scratch: string;
}

/** Every method runs this many trainings at once, each on one thread. */
export const WORKERS = 2;

/**
 * The ladder rungs uses by default for a budget, which Optuna's pruner is
 * given too: rung k trains r * eta^k epochs with the learning rate times
 * lrDecay^k, up to the highest rung the budget can reach.
 */
export function defaultLadder(budget: number): RungLadder {
  return RungLadder.of(parseSettings({ budget }));
}

/** Epochs of the top rung: what random search trains every configuration for. */
export function topEpochs(budget: number): number {
  const ladder = defaultLadder(budget);
  return ladder.epochsAt(ladder.topRung);
}

/** Which sets and seeds a benchmark runs, and each set's epoch budget. */
export interface Scale {
  readonly sets: readonly string[];
  readonly seeds: number;
  readonly budgets: Readonly<Record<string, number>>;
}

/**
 * The benchmark reported in BENCHMARKS.md, sized from calibrate.ts. Its runs
 * took about 1 h 40 min on 2 cores for the first three sets and 1 h 45 min
 * more for imdb, whose 27 epochs are the least that reach a 9-epoch rung;
 * `--sets` leaves it out. Each budget is a multiple of the top rung's epochs
 * so that random search can spend all of it. An epoch costs rungs about 0.7 s
 * of wall time on ag_news, 1.2 s on cooking, 11 s on 20newsgroups and 12 s on
 * imdb (2 jobs at once, with other runs on the machine).
 */
export const FULL: Scale = {
  sets: ["ag_news", "cooking", "20newsgroups", "imdb"],
  seeds: 3,
  budgets: { ag_news: 135, cooking: 81, "20newsgroups": 27, imdb: 27 },
};

/** A smoke run of a few minutes: the cheapest set, one seed, a budget of one bracket's start. */
export const QUICK: Scale = {
  sets: ["ag_news"],
  seeds: 1,
  budgets: { ag_news: 40, cooking: 40 },
};
