import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRungs, startRungs, TINY } from "../support/cli";

interface TrialLine {
  trialId: string;
  rung: number;
  epochs: number;
  config: Record<string, unknown>;
  score: number | null;
  seconds: number;
  status: "ok" | "failed";
  reason?: string;
}

const readTrials = async (dir: string): Promise<TrialLine[]> =>
  (await readFile(join(dir, "trials.jsonl"), "utf8"))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TrialLine);

/** `rungs tune` on the tiny fixture; add the flags each test is about. */
const TUNE_TINY = ["tune", "--train", TINY.train, "--valid", TINY.valid];

const newDir = () => mkdtemp(join(tmpdir(), "rungs-cli-"));

const waitFor = async (check: () => Promise<boolean>, seconds: number) => {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${seconds} s`);
};

describe("rungs tune", () => {
  it("tunes a real fastText model, writes every job and the best configuration with its test score", async () => {
    const out = await newDir();

    const run = await runRungs([
      ...TUNE_TINY,
      "--test",
      TINY.valid,
      "--budget",
      "40",
      "--workers",
      "2",
      "--max-epochs",
      "9",
      "--out",
      out,
    ]);

    expect(run.stderr).toContain("budget 40 epochs, rungs of 1, 3, 9 epochs");
    expect(run.stderr).toContain("[40/40 epochs");
    expect(run.code).toBe(0);
    const trials = await readTrials(out);
    expect(trials.reduce((sum, t) => sum + t.epochs, 0)).toBe(40);
    expect(trials.some((t) => t.rung === 2)).toBe(true);
    for (const trial of trials) {
      expect(Object.keys(trial)).toEqual(
        expect.arrayContaining([
          "trialId",
          "rung",
          "epochs",
          "config",
          "score",
          "seconds",
          "status",
        ]),
      );
    }
    const best = JSON.parse(await readFile(join(out, "best.json"), "utf8"));
    const bestScore = Math.max(...trials.map((t) => t.score ?? -1));
    expect(best).toMatchObject({ score: bestScore, metric: "precision@1" });
    expect(best.testScore).toBeGreaterThan(0.3);
    expect(run.stdout).toContain(`best precision@1 ${bestScore.toFixed(4)}`);
    await expect(readFile(join(out, "best.bin"))).resolves.toBeInstanceOf(Buffer);
  });

  it("resumes after kill -9 without losing finished jobs, repeating a rung, or passing the budget", async () => {
    const out = await newDir();
    const args = [
      ...TUNE_TINY,
      "--budget",
      "150",
      "--workers",
      "2",
      "--max-epochs",
      "9",
      "--out",
      out,
    ];

    const first = startRungs(args);
    await waitFor(async () => (await readTrials(out).catch(() => [])).length >= 8, 60);
    process.kill(-first.child.pid!, "SIGKILL");
    await first.done;
    const beforeResume = await readTrials(out);
    const resumed = await runRungs(args);

    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/resuming .*: \d+ jobs kept/);
    const trials = await readTrials(out);
    const keys = trials.map((t) => `${t.trialId}@${t.rung}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(trials.reduce((sum, t) => sum + t.epochs, 0)).toBe(150);
    for (const earlier of beforeResume) expect(trials).toContainEqual(earlier);
  });

  it("stops cleanly on Ctrl-C and says how to resume", async () => {
    const out = await newDir();
    const interrupted = startRungs([
      ...TUNE_TINY,
      "--budget",
      "400",
      "--workers",
      "2",
      "--out",
      out,
    ]);
    await waitFor(async () => (await readTrials(out).catch(() => [])).length >= 3, 60);

    process.kill(-interrupted.child.pid!, "SIGINT");
    const run = await interrupted.done;

    expect(run.code).toBe(130);
    expect(run.stderr).toContain("Run the same command again to resume.");
  });

  it("refuses to resume a directory with other settings, naming the difference", async () => {
    const out = await newDir();
    const base = [...TUNE_TINY, "--workers", "2", "--out", out];
    await runRungs([...base, "--budget", "5"]);

    const run = await runRungs([...base, "--budget", "6"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/budget was 5, now 6/);
    expect(run.stderr).toMatch(/pass a new --out/);
  });
});

describe("rungs tune input validation", () => {
  it("lists every bad flag with exit status 2 before training anything", async () => {
    const out = await newDir();

    const run = await runRungs([
      "tune",
      "--train",
      join(out, "missing.txt"),
      "--valid",
      TINY.valid,
      "--budget",
      "-3",
      "--workers",
      "0",
      "--eta",
      "1",
      "--evolution",
      "maybe",
      "--metric",
      "f1",
      "--min-epochs",
      "5",
      "--max-epochs",
      "2",
      "--out",
      out,
    ]);

    expect(run.code).toBe(2);
    for (const expected of [
      /--budget: received -3; must be > 0/,
      /--workers: received 0; must be >= 1/,
      /--eta: received 1; must be >= 2/,
      /--evolution: received "maybe"; must be one of "auto", "off", "on"/,
      /--metric: received "f1"; must be one of "precision", "recall"/,
      /--max-epochs: received 2; must be at least --min-epochs \(5\)/,
      /--train .*missing\.txt.*not found.*rungs prepare/,
      /Nothing was run/,
    ]) {
      expect(run.stderr).toMatch(expected);
    }
    await expect(readFile(join(out, "trials.jsonl"))).rejects.toThrow();
  });

  it("refuses a top rung the budget cannot reach, saying which flag to change", async () => {
    const out = await newDir();

    const run = await runRungs([
      ...TUNE_TINY,
      "--budget",
      "50",
      "--max-epochs",
      "27",
      "--out",
      out,
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--budget: received 50; no configuration could reach the top rung of 27 epochs, since getting one there costs 108 epochs .* Raise --budget to at least 108, or lower --max-epochs to 9/,
    );
    await expect(readFile(join(out, "trials.jsonl"))).rejects.toThrow();
  });

  it("rejects an empty file and a file without labels, pointing at rungs prepare", async () => {
    const dir = await newDir();
    const empty = join(dir, "empty.txt");
    const csv = join(dir, "data.csv");
    await writeFile(empty, "");
    await writeFile(csv, "text,label\nhello world,greeting\n");

    const run = await runRungs(["tune", "--train", csv, "--valid", empty, "--out", dir]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--train .*data\.csv.*no line starts with __label__/);
    expect(run.stderr).toMatch(/--valid .*empty\.txt.*empty/);
  });

  it("reports each problem in a search space file", async () => {
    const dir = await newDir();
    const space = join(dir, "space.json");
    await writeFile(
      space,
      JSON.stringify({
        lr: { type: "float", min: 2, max: 1 },
        epoch: { type: "int", min: 1, max: 9 },
      }),
    );

    const run = await runRungs([...TUNE_TINY, "--space", space, "--out", dir]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--space .*space\.json: parameter "lr": min 2 is above max 1/,
    );
    expect(run.stderr).toMatch(
      /--space .*space\.json: parameter "epoch": epochs are set by the rungs/,
    );
  });

  it("says a space file is not JSON", async () => {
    const dir = await newDir();
    const space = join(dir, "space.json");
    await writeFile(space, "{ lr: 0.1 ");

    const run = await runRungs([...TUNE_TINY, "--space", space, "--out", dir]);

    expect(run.stderr).toMatch(/--space .*space\.json: not valid JSON/);
    expect(run.code).toBe(2);
  });
});
