/**
 * The cdk-nag (AwsSolutions) findings a Tuner's design needs, each
 * acknowledged where it arises and with its reason. They are recorded with
 * CDK's own Validations API, so the construct does not depend on cdk-nag.
 */

import { Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";
import type { Tuner } from "./tuner";

/** What the acknowledgements need to know beyond the Tuner itself. */
export interface AcknowledgementOptions {
  /** Whether the Tuner created its bucket (its settings are then the Tuner's to answer for). */
  readonly ownBucket: boolean;
}

/** Acknowledges every finding the Tuner's design needs. */
export function acknowledgeFindings(tuner: Tuner, options: AcknowledgementOptions): void {
  const { bucket, table, proposeFunction, trainFunction, stateMachine } = tuner;
  // A wildcard finding names its resource exactly as cdk-nag prints it.
  const wildcard = (arn: string) =>
    `AwsSolutions-IAM5[Resource::${findingText(tuner, arn)}]`;

  if (options.ownBucket)
    acknowledge(
      bucket,
      "AwsSolutions-S1",
      "Only the tuner's own roles use this bucket; CloudTrail data events audit it when an audit is needed.",
    );
  for (const fn of [proposeFunction, trainFunction])
    acknowledge(
      fn.role!,
      wildcard(bucket.arnForObjects("*")),
      "Datasets, summaries and trial results are objects whose keys each run chooses.",
    );
  acknowledge(
    proposeFunction.role!,
    wildcard(`${table.tableArn}/index/*`),
    "The store queries the byScore index; DynamoDB names indexes under the table ARN.",
  );
  acknowledge(
    proposeFunction,
    "AwsSolutions-L1",
    "Node.js 22 is the runtime rungs is built and tested for, the same as the train image's base.",
  );

  for (const fn of [proposeFunction, trainFunction])
    acknowledge(
      stateMachine,
      wildcard(`${fn.functionArn}:*`),
      "The Lambda tasks may invoke any version of the tuner's own functions.",
    );
  acknowledge(
    stateMachine,
    "AwsSolutions-IAM5[Resource::*]",
    "X-Ray and CloudWatch Logs delivery actions support no resource-level permissions.",
  );
  // The policy CDK adds for the Distributed Map names the state machine's
  // own executions; its exact text depends on the stack's environment.
  const policies = stateMachine.node.children.filter(
    (child) => child instanceof iam.Policy,
  );
  for (const policy of policies)
    for (const arn of wildcardResources(Stack.of(tuner).resolve(policy.document)))
      acknowledge(
        stateMachine,
        `AwsSolutions-IAM5[Resource::${arn}]`,
        "The Distributed Map describes, stops and redrives its own child executions, whose names Step Functions generates.",
      );
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** A value as cdk-nag prints it: a reference becomes `<Id.Attribute>` or `<Ref>`. */
function findingText(scope: IConstruct, value: unknown): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (typeof node === "string") return node;

  const fn = (node ?? {}) as Record<string, unknown>;
  const join = fn["Fn::Join"];
  if (Array.isArray(join)) {
    const [separator, parts] = join as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  const getAtt = fn["Fn::GetAtt"];
  if (Array.isArray(getAtt)) return `<${getAtt[0]}.${getAtt[1]}>`;
  if (typeof fn.Ref === "string") return `<${fn.Ref}>`;
  return JSON.stringify(node);
}

/** Resources with a wildcard in a resolved policy document, as cdk-nag prints them. */
function wildcardResources(document: { Statement?: { Resource?: unknown }[] }): string[] {
  return (document.Statement ?? [])
    .flatMap((statement) => [statement.Resource].flat())
    .map(flatten)
    .filter((arn) => arn.includes("*"));
}
