import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { runPartition } from "../../lib/cloud/dynamo-store";
import { RunMismatchError } from "../../lib/errors";
import type { ExecutionInput } from "./execution-input";

/** The run's INPUT item (see the layout in lib/cloud/dynamo-store.ts). */
const INPUT = "INPUT";

/** Succeeds only where the run has no input yet. */
const IS_FIRST_START = "attribute_not_exists(#sk)";

/**
 * Keeps a run's execution input, so that a retried start can be told from a
 * clash. The input is compared with every default filled in: the same run
 * spelled with or without its defaults is the same run.
 *
 * @throws RunMismatchError when the run exists with a different input
 */
export async function rememberInput(
  client: DynamoDBClient,
  tableName: string,
  runId: string,
  input: ExecutionInput,
): Promise<void> {
  const key = { pk: { S: runPartition(runId) }, sk: { S: INPUT } };
  const json = JSON.stringify(input);

  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...key, input: { S: json } },
        ConditionExpression: IS_FIRST_START,
        ExpressionAttributeNames: { "#sk": "sk" },
      }),
    );
    return;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }

  const stored = await client.send(
    new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
  );
  if (stored.Item?.input?.S !== json) {
    throw new RunMismatchError(
      `runId: a run "${runId}" already exists with a different input; start the execution under a new name, or repeat the original input to resume it`,
    );
  }
}
