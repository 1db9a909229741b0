import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate, trainFastText } from "../../lib/trainer";

const trainFile = join(__dirname, "../fixtures/tiny/train.txt");
const validationFile = join(__dirname, "../fixtures/tiny/valid.txt");

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "rungs-evaluate-test-"));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe("evaluate", () => {
  it("scores a kept model the same as training did", async () => {
    const trained = await trainFastText({
      trainFile,
      validationFile,
      epochs: 5,
      config: { lr: 1.0 },
      workDir,
      keepModel: true,
    });
    if (trained.status !== "ok") throw new Error(trained.reason);

    const scores = await evaluate(trained.modelPath!, validationFile);

    expect(scores).toEqual({
      examples: 200,
      precision: trained.precision,
      recall: trained.recall,
    });
  });

  it("throws an error naming the model when fastText cannot load it", async () => {
    const modelPath = join(workDir, "missing.bin");

    const evaluation = evaluate(modelPath, validationFile);

    await expect(evaluation).rejects.toMatchObject({ name: "EvaluationFailedError" });
    await expect(evaluation).rejects.toThrow(/missing\.bin cannot be opened for loading/);
  });
});
