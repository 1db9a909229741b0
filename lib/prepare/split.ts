import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** The files `prepare` writes. */
export type Split = "train" | "valid" | "test";

/** Shares of each stratum's rows held out from training. */
export interface HeldOut {
  readonly validFraction: number;
  readonly testFraction: number;
}

/** Row indices per split: train in a shuffled order, valid and test in input order. */
export type Assignment = Readonly<Record<Split, readonly number[]>>;

/**
 * Splits rows stratified by stratum (`prepare` uses a row's first label):
 * within each stratum of n rows, round(testFraction * n) rows chosen at
 * random go to test and round(validFraction * n) to valid, the rest to train.
 * A stratum never loses its last training row, so every label can be learnt;
 * a label with a handful of rows may therefore be missing from valid or test.
 *
 * The training rows are then shuffled, because fastText reads its training
 * file in order and a file sorted by label trains badly. The same strata,
 * fractions and seed always give the same assignment.
 *
 * @param strata row indices of each stratum, each list in input order.
 */
export function stratifiedSplit(
  strata: ReadonlyMap<string, readonly number[]>,
  heldOut: HeldOut,
  seed: number,
): Assignment {
  const random = xoroshiro128plus(seed);
  const train: number[] = [];
  const valid: number[] = [];
  const test: number[] = [];

  // Sorted, so that the random draws do not depend on which label came first in the file.
  const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : 1);
  for (const [, members] of [...strata].sort(byName)) {
    const rows = [...members];
    const { testRows, validRows } = heldOutCounts(rows.length, heldOut);
    shuffleFront(rows, testRows + validRows, random);
    rows.forEach((row, i) => {
      const split = i < testRows ? test : i < testRows + validRows ? valid : train;
      split.push(row);
    });
  }

  const inputOrder = (a: number, b: number) => a - b;
  shuffleFront(train, train.length, random);
  return { train, valid: valid.sort(inputOrder), test: test.sort(inputOrder) };
}

function heldOutCounts(rows: number, heldOut: HeldOut) {
  let testRows = Math.round(heldOut.testFraction * rows);
  let validRows = Math.round(heldOut.validFraction * rows);
  if (rows > 0 && testRows + validRows >= rows) {
    validRows = Math.max(0, rows - 1 - testRows);
    testRows = Math.min(testRows, rows - 1 - validRows);
  }
  return { testRows, validRows };
}

/**
 * Fisher-Yates on the first `count` places only, in place: afterwards
 * `items[0..count)` is a uniform random sample in random order.
 */
function shuffleFront(items: number[], count: number, random: RandomGenerator): void {
  for (let i = 0; i < count; i += 1) {
    const j = uniformInt(random, i, items.length - 1);
    [items[i], items[j]] = [items[j] as number, items[i] as number];
  }
}
