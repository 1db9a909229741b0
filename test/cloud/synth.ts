import { readFileSync } from "node:fs";
import * as path from "node:path";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import {
  type CfnTemplate,
  type RenderedDefinition,
  renderDefinition,
} from "../../lib/cloud/definition";
import { Tuner, type TunerProps } from "../../lib/cloud/tuner";

/** The feature flags `cdk synth` uses, so tests see the same template. */
export const CDK_CONTEXT = JSON.parse(
  readFileSync(path.join(__dirname, "..", "..", "cdk.json"), "utf8"),
).context as Record<string, unknown>;

export interface SynthesizedTuner {
  readonly stack: Stack;
  readonly tuner: Tuner;
  readonly template: Template;
  /** The logical id CloudFormation knows a construct by. */
  logicalId(construct: IConstruct): string;
  /** The state machine as a local runner executes it. */
  render(): RenderedDefinition;
}

/** One Tuner in its own stack, synthesized (the propose bundle is built, the image only staged). */
export function synthTuner(props?: TunerProps): SynthesizedTuner {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new Stack(app, "Test");
  const tuner = new Tuner(stack, "Tuner", props);
  const template = Template.fromStack(stack);
  return {
    stack,
    tuner,
    template,
    logicalId: (construct) =>
      stack.getLogicalId(construct.node.defaultChild as CfnElement),
    render: () => renderDefinition(template.toJSON() as CfnTemplate),
  };
}
