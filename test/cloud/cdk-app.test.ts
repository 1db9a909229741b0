import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");

describe("GIVEN the CDK app in bin/app.ts", () => {
  test("WHEN `cdk synth` runs offline, without Docker THEN it writes the stack with its state machine and outputs", async () => {
    const out = await mkdtemp(join(tmpdir(), "rungs-synth-"));

    await run("npx", ["cdk", "synth", "--quiet", "--output", out], {
      cwd: ROOT,
      // No Docker on PATH: synth must only stage the train image, never build it.
      env: {
        ...process.env,
        PATH: `${join(ROOT, "node_modules", ".bin")}:/usr/bin:/bin`,
      },
      timeout: 180_000,
    });

    const template = JSON.parse(await readFile(join(out, "Rungs.template.json"), "utf8"));
    const types = Object.values(
      template.Resources as Record<string, { Type: string }>,
    ).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining([
        "AWS::StepFunctions::StateMachine",
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::Lambda::Function",
      ]),
    );
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(["StateMachineArn", "BucketName", "TableName"]),
    );
  });

  test("WHEN the schedule context is not JSON THEN synth fails naming the fix", async () => {
    const attempt = run("npx", ["cdk", "synth", "--quiet", "-c", "schedule=weekly"], {
      cwd: ROOT,
      timeout: 180_000,
    });

    await expect(attempt).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'must be JSON such as {"expression": "rate(7 days)"',
      ),
    });
  });
});
