/**
 * The CDK app: one RungsStack, checked with cdk-nag's AwsSolutions rules.
 *
 * Context (cdk.json or `-c`):
 *   schedule  start runs on a schedule, as JSON:
 *             {"expression": "rate(7 days)", "input": {<execution input>}}
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { RungsStack } from "../lib/cloud/stack";
import type { TunerSchedule } from "../lib/cloud/tuner";
import { InvalidInputError } from "../lib/errors";

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

new RungsStack(app, "Rungs", {
  description: "rungs: parallel hyperparameter search for fastText",
  env: {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  },
  tuner: { schedule: scheduleFromContext(app.node.tryGetContext("schedule")) },
});

/** `-c schedule=...` arrives as a string, cdk.json's as an object. */
function scheduleFromContext(value: unknown): TunerSchedule | undefined {
  if (value === undefined) return undefined;

  const parsed = typeof value === "string" ? parseJson(value) : value;
  const { expression, input } = (parsed ?? {}) as Record<string, unknown>;
  const problems = [
    typeof expression === "string"
      ? undefined
      : `schedule.expression: received ${JSON.stringify(expression)}; must be a string such as "rate(7 days)" or "cron(0 3 ? * MON *)"`,
    typeof input === "object" && input !== null && !Array.isArray(input)
      ? undefined
      : `schedule.input: received ${JSON.stringify(input)}; must be the execution input object`,
  ].filter((problem) => problem !== undefined);
  if (problems.length > 0) throw new InvalidInputError("The schedule context", problems);

  return { expression: expression as string, input: input as Record<string, unknown> };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError("The schedule context", [
      `schedule: received ${text}; must be JSON such as {"expression": "rate(7 days)", "input": {...}}`,
    ]);
  }
}
