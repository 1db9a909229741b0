import * as path from "node:path";
import { Duration, RemovalPolicy, Size } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { InvalidInputError } from "../errors";
import { acknowledgeFindings } from "./acknowledgements";
import { MAX_ITERATIONS_PER_CHILD, MAX_ROUNDS, tunerDefinition } from "./state-machine";

/** The repository root: the propose entry, the lock file and the train image's build context. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Where docker/train/Dockerfile puts the fastText binary. */
const FASTTEXT_PATH = "/opt/fasttext/bin/fasttext";

/** Lambda gives one vCPU per 1,769 MB of memory, and at most 6. */
const MB_PER_VCPU = 1_769;
const MAX_VCPUS = 6;

/** Map Run results stay in the state (256 KiB), so a round's items must fit in it. */
const MAX_WORKERS = 1_000;

/** Starts runs on a schedule, each with the same execution input. */
export interface TunerSchedule {
  /**
   * When to start a run: an EventBridge Scheduler expression, or its text,
   * e.g. `rate(7 days)` or `cron(0 3 ? * MON *)` (UTC).
   */
  readonly expression: scheduler.ScheduleExpression | string;
  /** The execution input every scheduled run starts with (see StartRun). */
  readonly input: Readonly<Record<string, unknown>>;
}

/** Properties of a {@link Tuner}. */
export interface TunerProps {
  /**
   * Workers (concurrent child executions) a run uses when its input names
   * none. Passed to the propose function as `RUNGS_DEFAULT_WORKERS`; the
   * run's own count becomes the Distributed Map's MaxConcurrency.
   *
   * @default 100
   */
  readonly defaultWorkers?: number;
  /**
   * Epochs a run may train in total when its input names no budget. Passed
   * to the propose function as `RUNGS_DEFAULT_BUDGET`.
   *
   * @default 10_000
   */
  readonly defaultBudget?: number;
  /**
   * Jobs a worker runs before it hands its last result to the next round,
   * keeping each child execution under the 25,000-event history limit. At
   * most 594 (see state-machine.ts for the arithmetic).
   *
   * @default 500
   */
  readonly maxIterationsPerChild?: number;
  /**
   * Rounds after which a run's last round starts even if budget is left. A
   * round follows another while Status reports budget left, so this bounds
   * a run whose workers keep failing. At most 923.
   *
   * @default 100
   */
  readonly maxRounds?: number;
  /**
   * Percentage of a round's workers that may fail (Propose failing after its
   * retries) before the run fails. 0 to 100.
   *
   * @default 25
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * Memory of the propose function, in MB.
   *
   * @default 512
   */
  readonly proposeMemorySize?: number;
  /**
   * Timeout of the propose function.
   *
   * @default Duration.seconds(30)
   */
  readonly proposeTimeout?: Duration;
  /**
   * Memory of the train function, in MB. Lambda adds a vCPU per 1,769 MB;
   * fastText is told to use them all (`RUNGS_THREADS`).
   *
   * @default 3008
   */
  readonly trainMemorySize?: number;
  /**
   * Timeout of the train function: the longest a single job may train.
   *
   * @default Duration.minutes(15)
   */
  readonly trainTimeout?: Duration;
  /**
   * /tmp of the train function, which holds the dataset and the model file.
   * A model with the default 2M hash buckets and dim 100 is about 800 MB.
   *
   * @default Size.gibibytes(4)
   */
  readonly trainEphemeralStorageSize?: Size;
  /**
   * Log level of both functions (`POWERTOOLS_LOG_LEVEL`).
   *
   * @default "INFO"
   */
  readonly logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /**
   * Start runs on a schedule with a fixed input.
   *
   * @default - runs start only when someone starts an execution
   */
  readonly schedule?: TunerSchedule;
  /**
   * The bucket that holds datasets and run summaries.
   *
   * @default - a new bucket, encrypted, SSL only, public access blocked
   */
  readonly bucket?: s3.IBucket;
  /**
   * What happens to the table, the bucket (when created here) and the log
   * groups when they leave the stack. DESTROY also empties the bucket first.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Tuner props out of range; every problem is listed. */
export class InvalidTunerPropsError extends InvalidInputError {
  constructor(problems: readonly string[]) {
    super("The Tuner props", problems);
  }
}

/**
 * Massively parallel hyperparameter search for fastText: a Step Functions
 * state machine whose Distributed Map runs workers that ask the propose
 * function for jobs and train them with the train function, sharing one
 * DynamoDB table and one S3 bucket.
 */
export class Tuner extends Construct {
  /** Starts a run: its execution input is validated by StartRun. */
  readonly stateMachine: sfn.StateMachine;
  /** Datasets and run summaries. */
  readonly bucket: s3.IBucket;
  /** The run store: trials, rungs and budget of every run. */
  readonly table: dynamodb.Table;
  /** Starts runs, proposes jobs, reports status, writes summaries. */
  readonly proposeFunction: nodejs.NodejsFunction;
  /** Trains and scores one job with fastText. */
  readonly trainFunction: lambda.DockerImageFunction;
  /** The schedule that starts runs, when `schedule` is set. */
  readonly schedule?: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: TunerProps = {}) {
    super(scope, id);
    const settings = resolveProps(props);
    const removalPolicy = settings.removalPolicy;

    this.bucket = props.bucket ?? this.createBucket(removalPolicy);
    this.table = this.createTable(removalPolicy);

    const proposeRole = this.createFunctionRole("Propose", removalPolicy);
    const trainRole = this.createFunctionRole("Train", removalPolicy);
    const sharedEnvironment = {
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      RUNGS_BUCKET: this.bucket.bucketName,
    };
    this.proposeFunction = new nodejs.NodejsFunction(this, "Propose", {
      entry: path.join(REPO_ROOT, "lambdas", "propose", "index.ts"),
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_22_X,
      // Plain JavaScript with no native modules: Graviton is cheaper.
      architecture: lambda.Architecture.ARM_64,
      memorySize: settings.proposeMemorySize,
      timeout: settings.proposeTimeout,
      bundling: { forceDockerBundling: false, target: "node22", sourceMap: true },
      environment: {
        ...sharedEnvironment,
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: "rungs-propose",
        RUNGS_TABLE: this.table.tableName,
        RUNGS_DEFAULT_WORKERS: String(settings.defaultWorkers),
        RUNGS_DEFAULT_BUDGET: String(settings.defaultBudget),
      },
      role: proposeRole.role,
      logGroup: proposeRole.logGroup,
    });

    this.trainFunction = new lambda.DockerImageFunction(this, "Train", {
      code: lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
        file: path.join("docker", "train", "Dockerfile"),
        // fastText is compiled in the image for x86-64, whatever the host is.
        platform: Platform.LINUX_AMD64,
      }),
      architecture: lambda.Architecture.X86_64,
      memorySize: settings.trainMemorySize,
      timeout: settings.trainTimeout,
      ephemeralStorageSize: settings.trainEphemeralStorageSize,
      environment: {
        ...sharedEnvironment,
        POWERTOOLS_SERVICE_NAME: "rungs-train",
        RUNGS_FASTTEXT: FASTTEXT_PATH,
        RUNGS_THREADS: String(vcpus(settings.trainMemorySize)),
      },
      role: trainRole.role,
      logGroup: trainRole.logGroup,
    });

    this.table.grantReadWriteData(proposeRole.role);
    // Propose reads datasets (to check a run's input) and writes summaries;
    // train downloads datasets and writes each trial's metrics and model.
    // Neither may delete.
    this.grantObjects(proposeRole.role);
    this.grantObjects(trainRole.role);

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      definitionBody: sfn.DefinitionBody.fromChainable(
        tunerDefinition(this, {
          propose: this.proposeFunction,
          train: this.trainFunction,
          maxIterationsPerChild: settings.maxIterationsPerChild,
          maxRounds: settings.maxRounds,
          toleratedFailurePercentage: settings.toleratedFailurePercentage,
          proposeTimeout: settings.proposeTimeout,
          trainTimeout: settings.trainTimeout,
        }),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: {
        destination: this.createLogGroup("StateMachineLogs", removalPolicy),
        level: sfn.LogLevel.ALL,
        // Inputs and outputs hold every result; the store already has them.
        includeExecutionData: false,
      },
    });

    if (props.schedule) this.schedule = this.createSchedule(props.schedule);

    acknowledgeFindings(this, { ownBucket: props.bucket === undefined });
  }

  /**
   * A role per function that may write only to the function's own log group,
   * instead of the managed AWSLambdaBasicExecutionRole that may write to any.
   */
  private createFunctionRole(name: string, removalPolicy: RemovalPolicy) {
    const role = new iam.Role(this, `${name}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    });
    const logGroup = this.createLogGroup(`${name}Logs`, removalPolicy);
    logGroup.grantWrite(role);
    return { role, logGroup };
  }

  /**
   * Object reads and writes, without the wildcard actions of the bucket's
   * grant methods. ListBucket lets a missing key answer 404 instead of 403;
   * AbortMultipartUpload lets a failed model upload clean up after itself.
   */
  private grantObjects(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [this.bucket.arnForObjects("*")],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:ListBucket"],
        resources: [this.bucket.bucketArn],
      }),
    );
    this.bucket.encryptionKey?.grantEncryptDecrypt(role);
  }

  private createBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    return new s3.Bucket(this, "Bucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy,
      // CloudFormation cannot delete a bucket that still holds objects.
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
  }

  private createTable(removalPolicy: RemovalPolicy): dynamodb.Table {
    // Single-table design: the store decides what pk/sk and the byScore
    // index hold; the keys stay generic strings so it can.
    const table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    table.addGlobalSecondaryIndex({
      indexName: "byScore",
      partitionKey: { name: "gsi1pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "gsi1sk", type: dynamodb.AttributeType.STRING },
    });
    return table;
  }

  private createLogGroup(id: string, removalPolicy: RemovalPolicy): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
  }

  private createSchedule(schedule: TunerSchedule): scheduler.Schedule {
    const expression =
      typeof schedule.expression === "string"
        ? scheduler.ScheduleExpression.expression(schedule.expression)
        : schedule.expression;
    return new scheduler.Schedule(this, "Schedule", {
      schedule: expression,
      description: "Starts a rungs run with a fixed input",
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(schedule.input),
      }),
    });
  }
}

type ResolvedProps = Required<
  Omit<TunerProps, "schedule" | "bucket" | "trainEphemeralStorageSize">
> & { readonly trainEphemeralStorageSize: Size };

/** Fills in defaults and checks every range at once. */
function resolveProps(props: TunerProps): ResolvedProps {
  const resolved: ResolvedProps = {
    defaultWorkers: props.defaultWorkers ?? 100,
    defaultBudget: props.defaultBudget ?? 10_000,
    maxIterationsPerChild: props.maxIterationsPerChild ?? 500,
    maxRounds: props.maxRounds ?? 100,
    toleratedFailurePercentage: props.toleratedFailurePercentage ?? 25,
    proposeMemorySize: props.proposeMemorySize ?? 512,
    proposeTimeout: props.proposeTimeout ?? Duration.seconds(30),
    trainMemorySize: props.trainMemorySize ?? 3008,
    trainTimeout: props.trainTimeout ?? Duration.minutes(15),
    trainEphemeralStorageSize: props.trainEphemeralStorageSize ?? Size.gibibytes(4),
    logLevel: props.logLevel ?? "INFO",
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  };

  const problems = [
    checkInteger("defaultWorkers", resolved.defaultWorkers, 1, MAX_WORKERS),
    checkInteger("defaultBudget", resolved.defaultBudget, 1, Number.MAX_SAFE_INTEGER),
    checkInteger(
      "maxIterationsPerChild",
      resolved.maxIterationsPerChild,
      1,
      MAX_ITERATIONS_PER_CHILD,
    ),
    checkInteger("maxRounds", resolved.maxRounds, 1, MAX_ROUNDS),
    checkRange("toleratedFailurePercentage", resolved.toleratedFailurePercentage, 0, 100),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new InvalidTunerPropsError(problems);

  return resolved;
}

function checkInteger(
  field: string,
  value: number,
  min: number,
  max: number,
): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `${field}: received ${value}; must be an integer from ${min} to ${max}`;
}

function checkRange(
  field: string,
  value: number,
  min: number,
  max: number,
): string | undefined {
  if (value >= min && value <= max) return undefined;
  return `${field}: received ${value}; must be a number from ${min} to ${max}`;
}

function vcpus(memorySize: number): number {
  return Math.min(MAX_VCPUS, Math.max(1, Math.ceil(memorySize / MB_PER_VCPU)));
}
