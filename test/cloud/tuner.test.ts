import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { RungsStack } from "../../lib/cloud/stack";
import { InvalidTunerPropsError, Tuner } from "../../lib/cloud/tuner";
import { CDK_CONTEXT, type SynthesizedTuner, synthTuner } from "./synth";

/** The statements of the policy attached to a role, flattened. */
function statementsOf(synth: SynthesizedTuner, roleId: string) {
  const policies = synth.template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );
}

function actionsOf(statements: Record<string, unknown>[]): string[] {
  return statements.flatMap((s) => [s.Action as string | string[]].flat());
}

describe("GIVEN a Tuner with default props", () => {
  let synth: SynthesizedTuner;
  beforeAll(() => {
    synth = synthTuner();
  });

  test("WHEN synthesized THEN the table has string keys pk and sk and the byScore index on gsi1pk and gsi1sk", () => {
    synth.template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
        { AttributeName: "gsi1pk", AttributeType: "S" },
        { AttributeName: "gsi1sk", AttributeType: "S" },
      ]),
      GlobalSecondaryIndexes: [
        {
          IndexName: "byScore",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test("WHEN synthesized THEN the table and bucket are retained when they leave the stack", () => {
    synth.template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain" });
    synth.template.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Retain" });
  });

  test("WHEN synthesized THEN the bucket is encrypted, blocks public access and refuses plain HTTP", () => {
    synth.template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    synth.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  test("WHEN synthesized THEN propose is a Node.js 22 function with 512 MB, 30 s and the store's names", () => {
    synth.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      MemorySize: 512,
      Timeout: 30,
      Environment: {
        Variables: Match.objectLike({
          RUNGS_TABLE: { Ref: synth.logicalId(synth.tuner.table) },
          RUNGS_BUCKET: { Ref: synth.logicalId(synth.tuner.bucket) },
          POWERTOOLS_SERVICE_NAME: "rungs-propose",
          POWERTOOLS_LOG_LEVEL: "INFO",
          RUNGS_DEFAULT_WORKERS: "100",
          RUNGS_DEFAULT_BUDGET: "10000",
        }),
      },
    });
  });

  test("WHEN synthesized THEN train is an image function with 3008 MB, 15 min, fastText's path and 2 threads", () => {
    synth.template.hasResourceProperties("AWS::Lambda::Function", {
      PackageType: "Image",
      Architectures: ["x86_64"],
      MemorySize: 3008,
      Timeout: 900,
      EphemeralStorage: { Size: 4096 },
      Environment: {
        Variables: Match.objectLike({
          RUNGS_BUCKET: { Ref: synth.logicalId(synth.tuner.bucket) },
          RUNGS_FASTTEXT: "/opt/fasttext/bin/fasttext",
          RUNGS_THREADS: "2",
          POWERTOOLS_SERVICE_NAME: "rungs-train",
        }),
      },
    });
  });

  test("WHEN synthesized THEN the train image is staged from the repository root with docker/train/Dockerfile, without node_modules or tests", () => {
    const assembly = App.of(synth.stack)!.synth();
    const manifest = JSON.parse(
      readFileSync(
        path.join(assembly.directory, `${synth.stack.artifactId}.assets.json`),
        "utf8",
      ),
    );
    const [image] = Object.values(manifest.dockerImages) as {
      source: Record<string, string>;
    }[];
    const context = readdirSync(path.join(assembly.directory, image!.source.directory!));

    expect(image!.source).toMatchObject({
      dockerFile: "docker/train/Dockerfile",
      platform: "linux/amd64",
    });
    expect(context).toEqual(
      expect.arrayContaining(["package-lock.json", "lib", "lambdas", "docker"]),
    );
    expect(context).not.toContain("node_modules");
    expect(context).not.toContain("test");
  });

  test("WHEN synthesized THEN the state machine is STANDARD, traced and logs every event", () => {
    synth.template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: "ALL", IncludeExecutionData: false },
    });
  });

  test("WHEN synthesized THEN propose may read and write the table and its indexes, and read and write objects", () => {
    const statements = statementsOf(
      synth,
      synth.logicalId(synth.tuner.proposeFunction.role!),
    );
    const table = { "Fn::GetAtt": [synth.logicalId(synth.tuner.table), "Arn"] };

    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining([
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:Query",
        ]),
        Resource: [table, { "Fn::Join": ["", [table, "/index/*"]] }],
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
      }),
    );
    expect(actionsOf(statements)).not.toContain("s3:DeleteObject");
  });

  test("WHEN synthesized THEN train may only read and write objects and write its own logs", () => {
    const statements = statementsOf(
      synth,
      synth.logicalId(synth.tuner.trainFunction.role!),
    );

    expect(actionsOf(statements).sort()).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
  });

  test("WHEN synthesized THEN the functions use no managed policy", () => {
    for (const fn of [synth.tuner.proposeFunction, synth.tuner.trainFunction]) {
      const role = synth.template.toJSON().Resources[synth.logicalId(fn.role!)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  test("WHEN synthesized THEN the state machine may invoke both functions and start its own child executions", () => {
    const roleId = synth.logicalId(synth.tuner.stateMachine.role);
    const statements = statementsOf(synth, roleId);
    const invoked = statements.find((s) => s.Action === "lambda:InvokeFunction");

    expect(invoked?.Resource).toEqual(
      expect.arrayContaining([
        { "Fn::GetAtt": [synth.logicalId(synth.tuner.proposeFunction), "Arn"] },
        { "Fn::GetAtt": [synth.logicalId(synth.tuner.trainFunction), "Arn"] },
      ]),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: "states:StartExecution",
        Resource: { Ref: synth.logicalId(synth.tuner.stateMachine) },
      }),
    );
  });

  test("WHEN synthesized THEN no schedule exists", () => {
    synth.template.resourceCountIs("AWS::Scheduler::Schedule", 0);
    expect(synth.tuner.schedule).toBeUndefined();
  });
});

describe("GIVEN a Tuner with its own sizes", () => {
  test("WHEN synthesized THEN the functions get the memory and timeouts asked for, and train one thread per vCPU", () => {
    const synth = synthTuner({
      proposeMemorySize: 1024,
      proposeTimeout: Duration.seconds(20),
      trainMemorySize: 10240,
      trainTimeout: Duration.minutes(10),
      defaultWorkers: 300,
    });

    synth.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      MemorySize: 1024,
      Timeout: 20,
      Environment: { Variables: Match.objectLike({ RUNGS_DEFAULT_WORKERS: "300" }) },
    });
    synth.template.hasResourceProperties("AWS::Lambda::Function", {
      PackageType: "Image",
      MemorySize: 10240,
      Timeout: 600,
      Environment: { Variables: Match.objectLike({ RUNGS_THREADS: "6" }) },
    });
  });
});

describe("GIVEN a schedule", () => {
  const input = {
    dataset: { train: "s3://d/train.txt", valid: "s3://d/valid.txt" },
    budget: 500,
  };

  test("WHEN its expression is text THEN a Scheduler schedule starts the state machine with the fixed input", () => {
    const synth = synthTuner({ schedule: { expression: "rate(7 days)", input } });

    synth.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(7 days)",
      Target: {
        Arn: { Ref: synth.logicalId(synth.tuner.stateMachine) },
        Input: JSON.stringify(input),
      },
    });
  });

  test("WHEN its expression is a ScheduleExpression THEN the schedule uses it", () => {
    const synth = synthTuner({
      schedule: {
        expression: scheduler.ScheduleExpression.rate(Duration.days(1)),
        input,
      },
    });

    synth.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 day)",
    });
  });
});

describe("GIVEN an existing bucket", () => {
  test("WHEN synthesized THEN no bucket is created and the functions use the one given", () => {
    const app = new App({ context: CDK_CONTEXT });
    const stack = new Stack(app, "Test");
    const bucket = s3.Bucket.fromBucketName(stack, "Data", "my-datasets");
    new Tuner(stack, "Tuner", { bucket });
    const template = Template.fromStack(stack);

    template.resourceCountIs("AWS::S3::Bucket", 0);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ RUNGS_BUCKET: "my-datasets" }) },
    });
  });
});

describe("GIVEN props out of range", () => {
  test("WHEN the Tuner is created THEN one error lists every problem with its field and range", () => {
    const stack = new Stack(new App(), "Test");

    let error: unknown;
    try {
      new Tuner(stack, "Tuner", {
        defaultWorkers: 0,
        maxIterationsPerChild: 1000,
        maxRounds: 2.5,
        toleratedFailurePercentage: 120,
      });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(InvalidTunerPropsError);
    expect((error as Error).message).toBe(
      [
        "The Tuner props is not valid:",
        "  - defaultWorkers: received 0; must be an integer from 1 to 1000",
        "  - maxIterationsPerChild: received 1000; must be an integer from 1 to 594",
        "  - maxRounds: received 2.5; must be an integer from 1 to 923",
        "  - toleratedFailurePercentage: received 120; must be a number from 0 to 100",
      ].join("\n"),
    );
  });
});

describe("GIVEN the RungsStack", () => {
  test("WHEN synthesized THEN it outputs the state machine ARN, the bucket name and the table name", () => {
    const stack = new RungsStack(new App({ context: CDK_CONTEXT }), "Rungs");
    const template = Template.fromStack(stack);
    const id = (construct: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(construct.node.defaultChild as never);

    template.hasOutput("StateMachineArn", {
      Value: { Ref: id(stack.tuner.stateMachine) },
    });
    template.hasOutput("BucketName", { Value: { Ref: id(stack.tuner.bucket) } });
    template.hasOutput("TableName", { Value: { Ref: id(stack.tuner.table) } });
  });
});
