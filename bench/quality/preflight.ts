import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Method } from "./outcome";
import { DATA_ROOT, dataSet, PYTHON } from "./protocol";

/**
 * What the machine lacks for a benchmark of these sets and methods, each
 * naming the fix. Checked before anything trains, so that a run of an hour
 * does not fail at its first Optuna trial or its last data set.
 */
export function environmentProblems(
  sets: readonly string[],
  methods: readonly Method[],
): string[] {
  return [...fastTextProblems(), ...optunaProblems(methods), ...dataProblems(sets)];
}

function fastTextProblems(): string[] {
  const binary = process.env.RUNGS_FASTTEXT || "fasttext";
  const probe = spawnSync(binary, [], { encoding: "utf8" });
  if (probe.error === undefined) return [];
  return [
    `fastText: "${binary}" could not be run (${probe.error.message}); run \`npm run bench:setup\` or set RUNGS_FASTTEXT to a fastText 0.9.2 binary`,
  ];
}

function optunaProblems(methods: readonly Method[]): string[] {
  if (!methods.includes("optuna")) return [];
  const probe = spawnSync(PYTHON, ["-c", "import optuna"], { encoding: "utf8" });
  if (probe.status === 0) return [];
  return [
    `--methods optuna: ${PYTHON} cannot import optuna; run \`npm run bench:setup\` (Debian's python3-optuna), or leave optuna out of --methods`,
  ];
}

function dataProblems(sets: readonly string[]): string[] {
  return sets.flatMap((name) => {
    const set = dataSet(name);
    return [set.train, set.valid, set.test]
      .filter((file) => !existsSync(file))
      .map(
        (file) =>
          `--sets ${name}: ${file} does not exist; set RUNGS_BENCH_DATA to the folder that holds ${name}/train.txt, valid.txt and test.txt (now ${DATA_ROOT})`,
      );
  });
}
