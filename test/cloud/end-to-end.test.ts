/**
 * The deployed definition, run for real: the state machine that `cdk synth`
 * renders, executed by aws-local-stepfunctions with its Lambda tasks bound to
 * the real propose and train handlers, DynamoDB served by dynalite, S3 by
 * s3rver, and the real fastText binary on a small real dataset.
 */
import "../support/silent-lambda-logs";
import { readFile } from "node:fs/promises";
import { DynamoDBClient, paginateQuery } from "@aws-sdk/client-dynamodb";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { handler as propose } from "../../lambdas/propose";
import { handler as train } from "../../lambdas/train";
import { s3Client } from "../../lib/cloud/aws-clients";
import { type Json, localTaskHandlers } from "../../lib/cloud/definition";
import { TINY } from "../support/cli";
import { type LocalDynamo, startDynalite } from "../support/dynalite";
import { type LocalS3, startS3rver } from "../support/s3rver";
import { synthTuner } from "./synth";

// biome-ignore format: Biome cannot parse the trailing comma it would add.
type LocalStepFunctions = typeof import("aws-local-stepfunctions", { with: { "resolution-mode": "import" } });
type StateMachineDefinition = ConstructorParameters<
  LocalStepFunctions["StateMachine"]
>[0];
const { StateMachine } = require("aws-local-stepfunctions") as LocalStepFunctions;

const RUN = "e2e-nightly";
const BUDGET = 60;
const WORKERS = 8;

let dynamo: LocalDynamo;
let s3: LocalS3;
let output: Record<string, unknown>;

beforeAll(async () => {
  dynamo = await startDynalite();
  s3 = await startS3rver();
  process.env.RUNGS_TABLE = dynamo.tableName;
  process.env.RUNGS_BUCKET = s3.bucket;
  for (const [key, file] of [
    ["data/train.txt", TINY.train],
    ["data/valid.txt", TINY.valid],
  ] as const) {
    await s3Client().send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(file) }),
    );
  }

  // A small iteration cap makes the run go through several rounds, with
  // results carried from one round into the next.
  const synth = synthTuner({ maxIterationsPerChild: 3 });
  const rendered = synth.render();
  const machine = new StateMachine(
    rendered.definition as unknown as StateMachineDefinition,
  );
  const execution = machine.run(
    {
      dataset: {
        train: `s3://${s3.bucket}/data/train.txt`,
        valid: `s3://${s3.bucket}/data/valid.txt`,
      },
      budget: BUDGET,
      workers: WORKERS,
      seed: 3,
      threads: 1,
      // Narrow enough that each job takes a fraction of a second on 2 cores.
      space: {
        lr: { type: "float", min: 0.1, max: 1.5, log: true },
        dim: { type: "int", min: 10, max: 40 },
        wordNgrams: { type: "int", min: 1, max: 2 },
        loss: { type: "choice", values: ["softmax", "ova"] },
      },
      search: { maxEpochs: 9 },
    },
    {
      overrides: {
        taskResourceLocalHandlers: localTaskHandlers(rendered, {
          [synth.logicalId(synth.tuner.proposeFunction)]: (input) =>
            propose(input) as Promise<Json>,
          [synth.logicalId(synth.tuner.trainFunction)]: (input) =>
            train(input) as unknown as Promise<Json>,
        }),
      },
      context: { Execution: { Name: RUN } },
    },
  );
  output = (await execution.result) as Record<string, unknown>;
}, 600_000);

afterAll(async () => {
  await s3?.close();
  await dynamo?.close();
});

async function items(prefix: string) {
  const client = new DynamoDBClient({});
  const found: Record<string, { S?: string; N?: string }>[] = [];
  const pages = paginateQuery(
    { client },
    {
      TableName: dynamo.tableName,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
      ExpressionAttributeValues: { ":pk": { S: `RUN#${RUN}` }, ":prefix": { S: prefix } },
    },
  );
  for await (const page of pages) found.push(...(page.Items ?? []));
  return found;
}

describe("a tuning run through the synthesized state machine", () => {
  it("spends the whole budget and not an epoch more", () => {
    expect(output).toMatchObject({ runId: RUN, budget: BUDGET, epochsSpent: BUDGET });
  });

  it("records a result in DynamoDB for every job handed out", async () => {
    const trials = await items("TRIAL#");

    expect(trials.length).toBe(output.jobs);
    expect(new Set(trials.map((t) => t.sk!.S!.split("#")[1])).size).toBe(output.trials);
    expect(trials.map((t) => t.status?.S)).not.toContain("running");
    const epochs = trials.reduce(
      (sum, t) => sum + Number(t.epochs?.N ?? JSON.parse(t.job!.S!).epochs),
      0,
    );
    expect(epochs).toBe(BUDGET);
  });

  it("keeps at least eight workers busy at once and reaches the top rung", async () => {
    const requests = await items("REQ#");
    const slots = new Set(requests.map((r) => /\/(\d+)\/\d+$/.exec(r.sk!.S!)?.[1]));

    expect(slots.size).toBeGreaterThanOrEqual(WORKERS);
    const best = output.best as {
      rung: number;
      score: number;
      config: Record<string, unknown>;
    };
    expect(best.score).toBeGreaterThan(0.4);
    expect(best.config).toHaveProperty("lr");
  });

  it("writes a summary to S3 that names the best configuration, and keeps top-rung models", async () => {
    const summary = await s3Client().send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: `runs/${RUN}/summary.json` }),
    );

    expect(JSON.parse(await summary.Body!.transformToString())).toMatchObject({
      best: output.best,
    });
    const listed = await s3Client().send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `runs/${RUN}/trials/` }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    const best = output.best as { rung: number; modelKey?: string };
    if (best.rung === 2) expect(keys).toContain(best.modelKey);
    expect(keys.some((k) => /-rung2\.bin$/.test(k))).toBe(true);
    expect(keys.some((k) => /-rung0\.bin$/.test(k))).toBe(false);
  });
});
