import { chmod, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TrainingOptions, trainFastText } from "../../lib/trainer";

/*
 * These tests run the real fastText 0.9.2 binary on test/fixtures/tiny
 * (571 training and 200 validation lines of AG News, 4 classes, chance 0.25).
 * Measured with 1 thread: lr 1.0 gives P@1 0.61 after 5 epochs and 0.665
 * after 10, in about 0.3 s.
 */
const tiny = {
  trainFile: join(__dirname, "../fixtures/tiny/train.txt"),
  validationFile: join(__dirname, "../fixtures/tiny/valid.txt"),
};

/** Enough epochs that training on the tiny set lasts minutes, not milliseconds. */
const ENDLESS_EPOCHS = 1_000_000;

let workDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), "rungs-trainer-test-"));
});

afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const train = (options: Partial<TrainingOptions>) =>
  trainFastText({ ...tiny, epochs: 10, config: { lr: 1.0 }, workDir, ...options });

/** A stand-in for fastText: a shell script that behaves as `body` says. */
async function fakeBinary(body: string): Promise<string> {
  const path = join(workDir, "fake-fasttext");
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe("trainFastText", () => {
  it("trains a model that scores well above chance on the validation file", async () => {
    const result = await train({ epochs: 10, config: { lr: 1.0 } });

    expect(result).toMatchObject({ status: "ok", epochs: 10, examples: 200 });
    if (result.status !== "ok") return;
    expect(result.score).toBeGreaterThan(0.5);
    expect(result.score).toBe(result.precision);
    expect(result.modelBytes).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThan(0);
  });

  it("scores by recall when asked", async () => {
    const result = await train({ metric: "recall" });

    expect(result.status).toBe("ok");
    if (result.status !== "ok") return;
    expect(result.score).toBe(result.recall);
  });

  it("deletes the model and its word vectors once scored", async () => {
    const result = await train({});

    expect(result.status).toBe("ok");
    expect(result).not.toHaveProperty("modelPath");
    expect(await readdir(workDir)).toEqual([]);
  });

  it("keeps only the .bin model when asked, and returns its path", async () => {
    const result = await train({ keepModel: true });

    expect(result.status).toBe("ok");
    if (result.status !== "ok") return;
    expect(result.modelPath).toMatch(/\.bin$/);
    expect((await stat(result.modelPath!)).size).toBe(result.modelBytes);
    expect(await readdir(workDir)).toEqual([result.modelPath!.slice(workDir.length + 1)]);
  });

  it("passes each hyperparameter to fastText as -name value, numbers as numbers", async () => {
    const binary = await fakeBinary('echo "$@" >&2; exit 1');

    const result = await train({
      binary,
      config: { lr: 0.5, wordNgrams: "2", loss: "ns" },
    });

    expect(result).toHaveProperty(
      "reason",
      expect.stringContaining(
        "-epoch 10 -lr 0.5 -wordNgrams 2 -loss ns -thread 1 -verbose 2",
      ),
    );
  });

  it("rejects options fastText does not know before starting anything", async () => {
    const binary = await fakeBinary(`touch "${workDir}/started"`);

    const training = train({ binary, config: { lr: 0.5, learningRate: 0.5, epoch: 5 } });

    await expect(training).rejects.toThrow(
      /config\.learningRate: not a fastText option a configuration may set/,
    );
    await expect(training).rejects.toThrow(/config\.epoch: set by the trainer/);
    await expect(training).rejects.toMatchObject({ name: "InvalidTrainingOptionsError" });
    expect(await readdir(workDir)).toEqual(["fake-fasttext"]);
  });

  it("rejects values of the wrong kind, listing every problem", async () => {
    const training = train({
      epochs: 0,
      config: { dim: 10.5, loss: "hinge", lr: "fast" },
    });

    await expect(training).rejects.toMatchObject({
      problems: [
        "epochs: received 0; must be a whole number >= 1",
        "config.dim: received 10.5; must be a whole number",
        'config.loss: received "hinge"; must be one of softmax, ns, hs, ova, one-vs-all',
        'config.lr: received "fast"; must be a number',
      ],
    });
  });

  it("reports a training file that cannot be opened as a failed result", async () => {
    const result = await train({ trainFile: join(workDir, "missing.txt") });

    expect(result).toMatchObject({ status: "failed", epochs: 10 });
    expect(result).toHaveProperty("reason", expect.stringContaining("cannot be opened"));
  });

  it("reports a missing binary as a failed result that says how to fix it", async () => {
    const result = await train({ binary: join(workDir, "no-such-fasttext") });

    expect(result.status).toBe("failed");
    expect(result).toHaveProperty(
      "reason",
      expect.stringMatching(/not found.*RUNGS_FASTTEXT/),
    );
  });

  it("reports a non-zero exit with the last lines of stderr", async () => {
    const binary = await fakeBinary(
      "echo 'Read 0M words' >&2; echo 'disk full' >&2; exit 3",
    );

    const result = await train({ binary });

    expect(result).toHaveProperty(
      "reason",
      "fastText exited with code 3: Read 0M words | disk full",
    );
  });

  it("reports a process killed by SIGKILL as probably out of memory", async () => {
    const binary = await fakeBinary("kill -KILL $$");

    const result = await train({ binary });

    expect(result).toHaveProperty(
      "reason",
      expect.stringMatching(/SIGKILL.*out-of-memory/),
    );
  });

  it("reports a diverged training as a NaN loss", async () => {
    // lr 50 blows the softmax loss up within the first epoch on this set.
    const result = await train({ epochs: 5, config: { lr: 50, loss: "softmax" } });

    expect(result.status).toBe("failed");
    expect(result).toHaveProperty("reason", expect.stringContaining("NaN loss"));
  });

  it("kills a training that runs past its time limit", async () => {
    const result = await train({ epochs: ENDLESS_EPOCHS, timeoutSeconds: 0.5 });

    expect(result).toMatchObject({ status: "failed", reason: "timed out after 0.5 s" });
    expect(result.seconds).toBeLessThan(5);
    expect(await readdir(workDir)).toEqual([]);
  });

  it("kills a training when its abort signal fires", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);

    const result = await train({ epochs: ENDLESS_EPOCHS, signal: controller.signal });

    expect(result).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("aborted"),
    });
    expect(result.seconds).toBeLessThan(5);
  });

  it("does not start fastText when the signal has already fired", async () => {
    const binary = await fakeBinary(`touch "${workDir}/started"`);

    const result = await train({ binary, signal: AbortSignal.abort() });

    expect(result.status).toBe("failed");
    expect(await readdir(workDir)).toEqual(["fake-fasttext"]);
  });
});
