import { type Job, MemoryStore, Proposer, parseSettings } from "../../lib/engine";
import { RunNotFoundError } from "../../lib/errors";

async function setUp(settings: Record<string, unknown> = {}) {
  const store = new MemoryStore();
  const parsed = parseSettings({ budget: 100, ...settings });
  await store.createRun("run-1", parsed);
  return { store, proposer: new Proposer(store, parsed) };
}

async function train(proposer: Proposer, requestId: string, previous?: Job, score = 0.5) {
  const proposal = await proposer.propose({
    requestId,
    ...(previous
      ? { previous: { ...previous, status: "ok" as const, score, seconds: 1 } }
      : {}),
  });
  if (proposal.action !== "train")
    throw new Error(`expected a job, got ${proposal.action}`);
  return proposal.job;
}

describe("Proposer", () => {
  it("starts with a random bottom-rung trial trained with the rung's epochs", async () => {
    const { proposer } = await setUp();

    const job = await train(proposer, "r1");

    expect(job).toMatchObject({
      trialId: "t000001",
      rung: 0,
      epochs: 1,
      origin: "random",
    });
    expect(job.hyperparameters).toEqual(job.config);
  });

  it("returns the same job to a retried request and reserves nothing twice", async () => {
    const { proposer, store } = await setUp();

    const first = await train(proposer, "exec/1/0");
    const retried = await train(proposer, "exec/1/0");

    expect(retried).toEqual(first);
    expect((await store.getRun())!.reserved).toBe(1);
  });

  it("records a result once even when it is reported twice", async () => {
    const { proposer, store } = await setUp();
    const job = await train(proposer, "a/0");

    await train(proposer, "a/1", job, 0.7);
    await train(proposer, "b/0", job, 0.2);

    const run = (await store.getRun())!;
    expect(run.completed[0]).toBe(1);
    expect(run.spent).toBe(1);
    expect((await store.best())!.score).toBe(0.7);
  });

  it("promotes the best of the bottom rung once eta members have finished, with a decayed lr", async () => {
    const { proposer } = await setUp({ lrDecay: 0.5 });
    const jobs = [
      await train(proposer, "a/0"),
      await train(proposer, "b/0"),
      await train(proposer, "c/0"),
    ];

    await train(proposer, "a/1", jobs[0], 0.3);
    await train(proposer, "b/1", jobs[1], 0.9);
    const promoted = await train(proposer, "c/1", jobs[2], 0.6);

    expect(promoted).toMatchObject({
      trialId: jobs[1]!.trialId,
      rung: 1,
      epochs: 3,
      origin: "promotion",
    });
    expect(promoted.config).toEqual(jobs[1]!.config);
    expect(promoted.hyperparameters.lr).toBeCloseTo(Number(jobs[1]!.config.lr) * 0.5, 4);
  });

  it("never promotes a failed trial", async () => {
    const { proposer } = await setUp();
    const jobs = [
      await train(proposer, "a/0"),
      await train(proposer, "b/0"),
      await train(proposer, "c/0"),
    ];

    for (const [i, job] of jobs.entries()) {
      await proposer.propose({
        requestId: `done/${i}`,
        previous: { ...job, status: "failed", reason: "NaN loss", seconds: 1 },
      });
    }
    const next = await train(proposer, "next/0");

    expect(next.rung).toBe(0);
  });

  it("answers done when the budget cannot pay for any job, and says so again on retry", async () => {
    const { proposer, store } = await setUp({ budget: 2 });
    await train(proposer, "a/0");
    await train(proposer, "b/0");

    const done = await proposer.propose({ requestId: "c/0" });
    const again = await proposer.propose({ requestId: "c/0" });

    expect(done).toEqual({ action: "done" });
    expect(again).toEqual({ action: "done" });
    expect((await store.getRun())!.reserved).toBe(2);
  });

  it("skips a promotion the budget cannot pay for and hands out a cheaper job", async () => {
    const { proposer, store } = await setUp({ budget: 4 });
    const jobs = [
      await train(proposer, "a/0"),
      await train(proposer, "b/0"),
      await train(proposer, "c/0"),
    ];
    for (const [i, job] of jobs.entries()) {
      await proposer.record({ ...job, status: "ok", score: i / 10, seconds: 1 });
    }

    // 3 of 4 epochs reserved: a promotion would cost 3, a new trial costs 1.
    const next = await train(proposer, "d/0");

    expect(next.rung).toBe(0);
    expect((await store.getRun())!.reserved).toBe(4);
  });

  it("keeps the budget with many concurrent proposers", async () => {
    const { proposer, store } = await setUp({ budget: 50 });

    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => proposer.propose({ requestId: `w${i}/0` })),
    );

    expect(answers.filter((a) => a.action === "train")).toHaveLength(50);
    expect((await store.getRun())!.reserved).toBe(50);
  });

  it("explains what to do when the run was never created", async () => {
    const store = new MemoryStore();
    const proposer = new Proposer(store, parseSettings({ budget: 10 }));

    await expect(proposer.propose({ requestId: "x" })).rejects.toThrow(RunNotFoundError);
  });
});
