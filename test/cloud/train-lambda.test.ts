import "../support/silent-lambda-logs";
import { readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { handler } from "../../lambdas/train";
import { s3Client } from "../../lib/cloud/aws-clients";
import { TINY } from "../support/cli";
import { type LocalS3, startS3rver } from "../support/s3rver";

let s3: LocalS3;

const job = (overrides: Record<string, unknown> = {}) => ({
  trialId: "t000007",
  rung: 1,
  epochs: 3,
  hyperparameters: { lr: 0.8, dim: 20, wordNgrams: 1, loss: "softmax" },
  ...overrides,
});

beforeAll(async () => {
  s3 = await startS3rver();
  process.env.RUNGS_BUCKET = s3.bucket;
  const client = s3Client();
  for (const [key, file] of [
    ["data/train.txt", TINY.train],
    ["data/valid.txt", TINY.valid],
  ]) {
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key!, Body: await readFile(file!) }),
    );
  }
});

afterAll(() => s3.close());

const dataset = () => ({
  train: `s3://${s3.bucket}/data/train.txt`,
  valid: `s3://${s3.bucket}/data/valid.txt`,
});

async function objectText(key: string): Promise<string> {
  const object = await s3Client().send(
    new GetObjectCommand({ Bucket: s3.bucket, Key: key }),
  );
  return object.Body!.transformToString();
}

describe("train Lambda", () => {
  it("trains the job on the S3 dataset with real fastText and writes its metrics to S3", async () => {
    const result = await handler({ runId: "run-a", job: job(), dataset: dataset() });

    expect(result).toMatchObject({
      trialId: "t000007",
      rung: 1,
      status: "ok",
      epochs: 3,
    });
    expect(result.score).toBeGreaterThan(0.4);
    const metrics = JSON.parse(await objectText("runs/run-a/trials/t000007-rung1.json"));
    expect(metrics).toMatchObject({ status: "ok", score: result.score, epochs: 3 });
    expect(metrics.precision).toBe(result.score);
  });

  it("downloads each dataset once per container and reuses the copy", async () => {
    const cacheDir = join(tmpdir(), "rungs-datasets");
    await handler({
      runId: "run-b",
      job: job({ trialId: "t000001" }),
      dataset: dataset(),
    });
    const before = await Promise.all(
      (await readdir(cacheDir)).map((f) => stat(join(cacheDir, f))),
    );

    await handler({
      runId: "run-b",
      job: job({ trialId: "t000002" }),
      dataset: dataset(),
    });

    const after = await Promise.all(
      (await readdir(cacheDir)).map((f) => stat(join(cacheDir, f))),
    );
    expect(after.map((s) => s.mtimeMs)).toEqual(before.map((s) => s.mtimeMs));
    expect(after).toHaveLength(2);
  });

  it("uploads the model when asked to keep it", async () => {
    const result = await handler({
      runId: "run-c",
      job: job(),
      dataset: dataset(),
      keepModel: true,
    });

    expect(result.modelKey).toBe("runs/run-c/trials/t000007-rung1.bin");
    const model = await s3Client().send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: result.modelKey! }),
    );
    expect(model.ContentLength).toBe(result.modelBytes);
  });

  it("returns a diverged job as a failed trial instead of throwing", async () => {
    const result = await handler({
      runId: "run-d",
      job: job({ hyperparameters: { lr: 50, loss: "softmax" } }),
      dataset: dataset(),
    });

    expect(result).toMatchObject({ status: "failed", trialId: "t000007" });
    expect(result.reason).toMatch(/NaN/);
  });

  it("throws for a dataset that is not in S3, naming it and what to check", async () => {
    const missing = { ...dataset(), train: `s3://${s3.bucket}/data/missing.txt` };

    await expect(
      handler({ runId: "run-e", job: job(), dataset: missing }),
    ).rejects.toThrow(/Cannot read s3:\/\/.*missing\.txt.*Check that the object exists/);
  });

  it("rejects a malformed event with every problem listed", async () => {
    await expect(
      handler({ runId: "", job: { rung: -1 }, dataset: { train: "train.txt" } }),
    ).rejects.toThrow(
      /runId[\s\S]*job\.trialId[\s\S]*job\.rung: received -1[\s\S]*dataset\.train: received "train.txt"; must be an s3:\/\/bucket\/key URI/,
    );
  });
});
