import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Tuner, type TunerProps } from "./tuner";

/** Properties of a {@link RungsStack}. */
export interface RungsStackProps extends StackProps {
  /**
   * Passed to the {@link Tuner} as they are.
   *
   * @default - the Tuner's defaults
   */
  readonly tuner?: TunerProps;
}

/** The deployable rungs: one {@link Tuner} and the names a user needs to start runs. */
export class RungsStack extends Stack {
  readonly tuner: Tuner;

  constructor(scope: Construct, id: string, props: RungsStackProps = {}) {
    super(scope, id, props);
    this.tuner = new Tuner(this, "Tuner", props.tuner);

    new CfnOutput(this, "StateMachineArn", {
      description:
        "Start a run: aws stepfunctions start-execution --state-machine-arn <this>",
      value: this.tuner.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, "BucketName", {
      description: "Upload datasets here; run summaries are written here",
      value: this.tuner.bucket.bucketName,
    });
    new CfnOutput(this, "TableName", {
      description: "The run store",
      value: this.tuner.table.tableName,
    });
  }
}
