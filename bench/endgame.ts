/**
 * How often a run reaches the top rung, and how good its best trial is, at
 * budgets of 1, 3, 10 and 30 climbs (the epochs one configuration needs to get
 * to the top: 108 for rungs of 1, 3, 9 and 27 epochs), with 2, 8 and 32
 * workers, and how long the run takes. Uses the virtual-time simulator and
 * the synthetic objective of the engine's tests (a job takes about its
 * epochs in time units), so it takes seconds and measures the engine alone.
 *
 *   npx tsx bench/endgame.ts [--seeds 100]
 *
 * To compare with another version of the engine, run the same file from a
 * worktree of that commit.
 */
import { Command } from "commander";
import { parseSettings, RungLadder } from "../lib/engine";
import { simulate } from "../test/support/simulator";

const WORKERS = [2, 8, 32];
const CLIMBS = [1, 3, 10, 30];

async function main(): Promise<void> {
  const { seeds } = new Command()
    .option("--seeds <n>", "seeds per cell", "100")
    .parse()
    .opts<{ seeds: string }>();
  const runs = Number(seeds);
  const climb = RungLadder.of(parseSettings({ budget: 1_000_000 })).climbCost;

  const rows = [
    "| workers | budget | runs reaching the top rung | median best score | median time to finish |",
    "|---:|---:|---:|---:|---:|",
  ];
  for (const workers of WORKERS) {
    for (const climbs of CLIMBS) {
      const budget = climb * climbs;
      let reached = 0;
      const best: number[] = [];
      const finish: number[] = [];
      for (let seed = 1; seed <= runs; seed++) {
        const run = await simulate({
          settings: { budget, seed },
          workers,
          worldSeed: seed,
        });
        const ladder = RungLadder.of(run.run.settings);
        if (run.jobs.some((j) => ladder.isTop(j.rung) && j.epochs === 27)) reached++;
        best.push(run.best?.score ?? 0);
        finish.push(Math.max(...run.records.map((r) => r.seconds)));
      }
      rows.push(
        `| ${workers} | ${budget} (${climbs} × ${climb}) | ${reached}/${runs} | ${median(best).toFixed(3)} | ${median(finish).toFixed(0)} |`,
      );
    }
  }
  process.stdout.write(`${rows.join("\n")}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? (sorted[mid - 1]! + sorted[mid]!) / 2
    : sorted[Math.floor(mid)]!;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
