import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { RungsStack, type RungsStackProps } from "../../lib/cloud/stack";
import { CDK_CONTEXT } from "./synth";

/** Synthesizes a RungsStack under cdk-nag's AwsSolutions rules; returns the violations it reports. */
function nagViolations(props?: RungsStackProps) {
  const app = new App({ context: CDK_CONTEXT });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new RungsStack(app, "Rungs", props);

  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  const report = path.join(app.outdir, "validation-report.json");
  const violations = existsSync(report)
    ? (
        JSON.parse(readFileSync(report, "utf8")).pluginReports as {
          violations: { ruleName: string }[];
        }[]
      ).flatMap((r) => r.violations.map((v) => v.ruleName))
    : [];
  return { failure, violations, stack };
}

describe("GIVEN the RungsStack checked by cdk-nag's AwsSolutions rules", () => {
  test("WHEN synthesized THEN nothing is reported that is not acknowledged", () => {
    const { failure, violations } = nagViolations();

    expect(violations).toEqual([]);
    expect(failure).toBeUndefined();
  });

  test("WHEN synthesized with a schedule THEN nothing is reported either", () => {
    const { failure, violations } = nagViolations({
      tuner: { schedule: { expression: "rate(1 day)", input: { budget: 100 } } },
    });

    expect(violations).toEqual([]);
    expect(failure).toBeUndefined();
  });

  test("WHEN rules are acknowledged THEN each acknowledgement gives its reason", () => {
    const { stack } = nagViolations();
    const reasons = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    expect(reasons.length).toBeGreaterThan(0);
    for (const [rule, reason] of reasons) {
      expect(rule).toMatch(/AwsSolutions-/);
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});
