import { setTimeout as sleep } from "node:timers/promises";
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { RungLadder } from "../engine/ladder";
import { isBetter } from "../engine/memory-store";
import type { SearchSettings } from "../engine/settings";
import type { Proposal, RunRecord, SearchStore } from "../engine/store";
import type { Job, JobResult, TrialRecord } from "../engine/trial";
import { RunMismatchError, RunNotFoundError } from "../errors";
import { keysAbove, rankingKey } from "./ranking-key";

/*
 * Table layout: one table, partition key `pk`, sort key `sk`, and one global
 * secondary index `byScore` (partition key `gsi1pk`, sort key `gsi1sk`,
 * projection ALL). Every item of a run shares the partition `RUN#<runId>`:
 *
 *   sk                        attributes
 *   RUN                       reserved, spent, proposals (N), createdAt,
 *                             completed<k>, promoted<k> (N, per rung k)
 *   SETTINGS                  settings (JSON); written once, never updated
 *   INPUT                     input (JSON): the execution input, written by
 *                             the propose Lambda (lambdas/propose/run-input.ts)
 *   REQ#<requestId>           proposal (JSON): the answer given to a request
 *   TRIAL#<trialId>#<k>       job (JSON), status running|ok|failed, and once
 *                             finished score, reason, seconds; when it scored,
 *                             gsi1pk and gsi1sk
 *   MEMBER#<k>#<position>     record (JSON): the position-th record to finish
 *                             on rung k, for tournament draws
 *
 *   byScore: gsi1pk = <runId>#<k>#OPEN      successful records of rung k
 *                                           not promoted yet
 *            gsi1pk = <runId>#<k>#PROMOTED  those promoted out of rung k
 *            gsi1sk = ranking key (ranking-key.ts): ascending is best first
 *
 * Why this shape:
 * - The counters live apart from the settings because DynamoDB bills an
 *   update by the size of the whole item: the RUN item stays far below 1 KB,
 *   so each of the several counter updates a proposal makes costs one write
 *   unit, while the settings (about 1 KB) are read once per store and cached.
 * - Promotion reads one index entry per rung (the first OPEN key), however
 *   many records the rung holds; marking a record promoted moves its entry to
 *   the PROMOTED partition with one conditional write.
 * - There is no best item: the best record is the best first entry among the
 *   rungs' OPEN and PROMOTED partitions, which the result write already keeps
 *   up to date. That saves a write per proposal, and no crash can leave the
 *   best stale.
 *
 * Known limit: every proposal updates the one RUN item three to five times,
 * and DynamoDB lets a single item take about 1,000 write units a second, so
 * one run tops out near 200 to 300 proposals a second (over 10,000 workers
 * with one-minute jobs). Splitting the counters over several items, summed
 * on read, would lift it.
 *
 * If a proposal stops halfway. A proposal is several writes and no
 * transaction (see Proposer.propose), and a Lambda may time out or fail
 * between any two of them. Each leftover wastes budget or makes the search
 * slightly more conservative; none lets the run exceed its budget, train a
 * (trial, rung) twice or promote from outside the top 1/eta:
 * - result stored, not counted (recordResult, then countFinished): a retry
 *   finds the result stored and counts nothing, so n_k and `spent` stay one
 *   short for good. Quotas come from the smaller n_k; the record still
 *   ranks, may be promoted and may be the best; tournaments never draw it.
 * - counted, member item missing: a tournament that draws that position has
 *   one entrant fewer.
 * - epochs reserved, no job (reserveEpochs, then a claim or addJob): the
 *   epochs are never spent, so the run ends that much early.
 * - promotion slot claimed, no record marked: the rung promotes one fewer.
 * - record marked promoted, no job on the next rung: that configuration never
 *   climbs. The costliest leftover, since a good configuration is dropped;
 *   recording the claiming request on the mark, so that a retry of the same
 *   request resumes its claim, would fix it (an engine change).
 * - sequence number taken, no job: a gap in the trial ids.
 * - job added, answer not saved: nobody trains that job; its epochs are
 *   never spent, and the retried request is given a new job. A job whose
 *   worker dies while training leaves the same.
 */

type Item = Record<string, AttributeValue>;

/** The global secondary index that ranks each rung's successful records. */
export const SCORE_INDEX = "byScore";

/** The partition that holds every item of a run. */
export function runPartition(runId: string): string {
  return `RUN#${runId}`;
}

const RUN = "RUN";
const SETTINGS = "SETTINGS";
const TRIALS = "TRIAL#";

/** Pads member positions so a rung's members list in the order they finished. */
const POSITION_DIGITS = 9;

/** BatchGetItem reads at most this many keys per call. */
const BATCH_GET_LIMIT = 100;

/** First wait before asking again for keys BatchGetItem left unprocessed. */
const UNPROCESSED_BACKOFF_MS = 25;

/** Conditions, each named for the rule it enforces. */
const IS_ABSENT = "attribute_not_exists(#sk)";
const IS_RUNNING = "#status = :running";
const IS_OPEN = "#gsi1pk = :open";
const FITS_BUDGET = "#reserved <= :limit";
const hasFreeSlot = (rung: number) =>
  `attribute_not_exists(#promoted${rung}) OR #promoted${rung} < :quota`;

interface Update {
  readonly update: string;
  readonly values: Item;
  readonly returnValues?: "UPDATED_NEW" | "ALL_NEW";
}

/**
 * The search state of one run in a DynamoDB table (layout above). Any number
 * of proposers, in any number of Lambda containers, may share a run: every
 * write touches one item and happens whole or not at all.
 */
export class DynamoStore implements SearchStore {
  private settings: SearchSettings | undefined;

  /**
   * @param client - a client for the table's region (see `dynamoClient()`)
   * @param tableName - a table with the layout above
   * @param runId - the run this store reads and writes; it must not contain `#`
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    readonly runId: string,
  ) {}

  /**
   * Writes the settings before the counters, so a RUN item always has its
   * settings. A crash between the two leaves settings without a run, which
   * the retried start completes.
   */
  async createRun(runId: string, settings: SearchSettings): Promise<RunRecord> {
    if (runId !== this.runId) {
      throw new RunMismatchError(
        `runId: received "${runId}"; this store holds run "${this.runId}"; open a DynamoStore for "${runId}" instead`,
      );
    }

    await this.putIfAbsent(SETTINGS, { settings: text(JSON.stringify(settings)) });
    await this.putIfAbsent(RUN, {
      reserved: number(0),
      spent: number(0),
      proposals: number(0),
      createdAt: text(new Date().toISOString()),
    });

    return (await this.getRun())!;
  }

  async getRun(): Promise<RunRecord | undefined> {
    const counters = await this.get(RUN);
    if (counters === undefined) return undefined;

    return toRunRecord(this.runId, await this.loadSettings(), counters);
  }

  async nextSequence(): Promise<number> {
    const counted = await this.update(RUN, {
      update: "ADD #proposals :one",
      values: { ":one": number(1) },
    });
    return readNumber(counted, "proposals");
  }

  /** The condition cannot add, so the budget check is `reserved <= budget - epochs`. */
  async reserveEpochs(epochs: number): Promise<boolean> {
    const { budget } = await this.loadSettings();

    const reserved = await this.updateIf(RUN, FITS_BUDGET, {
      update: "ADD #reserved :epochs",
      values: { ":epochs": number(epochs), ":limit": number(budget - epochs) },
    });
    return reserved !== undefined;
  }

  async releaseEpochs(epochs: number): Promise<void> {
    await this.update(RUN, {
      update: "ADD #reserved :epochs",
      values: { ":epochs": number(-epochs) },
    });
  }

  async findProposal(requestId: string): Promise<Proposal | undefined> {
    const item = await this.get(proposalKey(requestId));
    return item === undefined ? undefined : parseJson<Proposal>(item, "proposal");
  }

  /** The first answer to a request stands; a racing duplicate does not replace it. */
  async saveProposal(requestId: string, proposal: Proposal): Promise<void> {
    await this.putIfAbsent(proposalKey(requestId), {
      proposal: text(JSON.stringify(proposal)),
    });
  }

  async addJob(job: Job): Promise<boolean> {
    return this.putIfAbsent(jobKey(job.trialId, job.rung), {
      job: text(JSON.stringify(job)),
      status: text("running"),
    });
  }

  /**
   * Only a running job takes a result, so a retried report changes nothing.
   * A successful one enters its rung's OPEN ranking in the same write.
   * DynamoDB numbers cannot hold NaN or infinities; such a score is dropped,
   * which ranks the record exactly as `rankingScore` would.
   */
  async recordResult(result: JobResult): Promise<TrialRecord | undefined> {
    const score = Number.isFinite(result.score) ? result.score : undefined;
    const ranked = result.status === "ok" && score !== undefined;
    const sets = ["#status = :status", "#seconds = :seconds"];
    const values: Item = {
      ":running": text("running"),
      ":status": text(result.status),
      ":seconds": number(result.seconds),
    };

    if (score !== undefined) {
      sets.push("#score = :score");
      values[":score"] = number(score);
    }
    if (result.reason !== undefined) {
      sets.push("#reason = :reason");
      values[":reason"] = text(result.reason);
    }
    if (ranked) {
      sets.push("#gsi1pk = :ranking", "#gsi1sk = :rank");
      values[":ranking"] = text(this.openPartition(result.rung));
      values[":rank"] = text(rankingKey(score, result.trialId));
    }

    const item = await this.updateIf(jobKey(result.trialId, result.rung), IS_RUNNING, {
      update: `SET ${sets.join(", ")}`,
      values,
      returnValues: "ALL_NEW",
    });
    return item === undefined ? undefined : toRecord(item);
  }

  /**
   * The counter hands out the member's position. A crash between the two
   * writes counts the record without a member item at its position: a
   * tournament that draws that position has one entrant fewer.
   */
  async countFinished(record: TrialRecord): Promise<void> {
    const completed = `completed${record.rung}`;

    const counted = await this.update(RUN, {
      update: `ADD #${completed} :one, #spent :epochs`,
      values: { ":one": number(1), ":epochs": number(record.epochs) },
    });
    const position = readNumber(counted, completed) - 1;

    await this.put(memberKey(record.rung, position), {
      record: text(JSON.stringify(record)),
    });
  }

  async claimPromotionSlot(rung: number, quota: number): Promise<boolean> {
    if (quota <= 0) return false;

    const claimed = await this.updateIf(RUN, hasFreeSlot(rung), {
      update: `ADD #promoted${rung} :one`,
      values: { ":one": number(1), ":quota": number(quota) },
    });
    return claimed !== undefined;
  }

  async releasePromotionSlot(rung: number): Promise<void> {
    await this.update(RUN, {
      update: `ADD #promoted${rung} :one`,
      values: { ":one": number(-1) },
    });
  }

  /**
   * The first entry of the rung's OPEN ranking. Index reads are eventually
   * consistent, so the entry may be one another proposer just promoted; then
   * `markPromoted` fails and the caller asks again.
   */
  async bestUnpromoted(rung: number): Promise<TrialRecord | undefined> {
    return this.firstRanked(this.openPartition(rung));
  }

  /** Reads every promoted entry above `score`: this read grows with the rung. */
  async countPromotedAbove(rung: number, score: number): Promise<number> {
    const { count } = await this.queryAll({
      IndexName: SCORE_INDEX,
      KeyConditionExpression: "#gsi1pk = :promoted AND #gsi1sk < :bound",
      ExpressionAttributeValues: {
        ":promoted": text(this.promotedPartition(rung)),
        ":bound": text(keysAbove(score)),
      },
      Select: "COUNT",
    });
    return count;
  }

  /** Moves the record's ranking entry from OPEN to PROMOTED, if it is still OPEN. */
  async markPromoted(trialId: string, rung: number): Promise<boolean> {
    const marked = await this.updateIf(jobKey(trialId, rung), IS_OPEN, {
      update: "SET #gsi1pk = :promoted",
      values: {
        ":open": text(this.openPartition(rung)),
        ":promoted": text(this.promotedPartition(rung)),
      },
    });
    return marked !== undefined;
  }

  async membersAt(rung: number, positions: readonly number[]): Promise<TrialRecord[]> {
    const keys = [...new Set(positions)].map((p) => memberKey(rung, p));
    const found = new Map<string, TrialRecord>();

    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      const items = await this.batchGet(keys.slice(start, start + BATCH_GET_LIMIT));
      for (const item of items) {
        found.set(item.sk!.S!, parseJson<TrialRecord>(item, "record"));
      }
    }

    // In the order asked for: a tournament keeps the first of equal entrants.
    return positions.flatMap((p) => found.get(memberKey(rung, p)) ?? []);
  }

  /** Nothing to write: `best()` reads the rankings that `recordResult` keeps. */
  async offerBest(): Promise<void> {}

  /** The best of each rung's first OPEN and first PROMOTED entries. */
  async best(): Promise<TrialRecord | undefined> {
    const settings = await this.loadSettings();
    const ladder = RungLadder.of(settings);

    const partitions = ladder.epochs.flatMap((_, rung) => [
      this.openPartition(rung),
      this.promotedPartition(rung),
    ]);
    const leaders = await Promise.all(partitions.map((p) => this.firstRanked(p)));

    return leaders.reduce<TrialRecord | undefined>(
      (best, leader) =>
        leader !== undefined && (best === undefined || isBetter(leader, best))
          ? leader
          : best,
      undefined,
    );
  }

  async finished(): Promise<TrialRecord[]> {
    const { items } = await this.queryAll({
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :trials)",
      FilterExpression: "#status <> :running",
      ExpressionAttributeValues: {
        ":pk": text(runPartition(this.runId)),
        ":trials": text(TRIALS),
        ":running": text("running"),
      },
      ConsistentRead: true,
    });
    return items.map(toRecord);
  }

  /** Settings never change after the run is created, so one read serves the store's life. */
  private async loadSettings(): Promise<SearchSettings> {
    if (this.settings !== undefined) return this.settings;

    const item = await this.get(SETTINGS);
    if (item === undefined) {
      throw new RunNotFoundError(
        `run "${this.runId}": no such run in table ${this.tableName}; start it (action "start") before proposing`,
      );
    }
    this.settings = parseJson<SearchSettings>(item, "settings");
    return this.settings;
  }

  private openPartition(rung: number): string {
    return `${this.runId}#${rung}#OPEN`;
  }

  private promotedPartition(rung: number): string {
    return `${this.runId}#${rung}#PROMOTED`;
  }

  private key(sk: string): Item {
    return { pk: text(runPartition(this.runId)), sk: text(sk) };
  }

  private async get(sk: string): Promise<Item | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: this.key(sk),
        ConsistentRead: true,
      }),
    );
    return output.Item;
  }

  private async put(sk: string, attributes: Item): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { ...this.key(sk), ...attributes },
      }),
    );
  }

  /** False when the item already exists. */
  private async putIfAbsent(sk: string, attributes: Item): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...this.key(sk), ...attributes },
          ConditionExpression: IS_ABSENT,
          ExpressionAttributeNames: namesIn(IS_ABSENT),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async update(sk: string, change: Update): Promise<Item> {
    const output = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: this.key(sk),
        UpdateExpression: change.update,
        ExpressionAttributeNames: namesIn(change.update),
        ExpressionAttributeValues: change.values,
        ReturnValues: change.returnValues ?? "UPDATED_NEW",
      }),
    );
    return output.Attributes ?? {};
  }

  /**
   * The updated attributes, or undefined when `condition` did not hold: a
   * failed condition is an answer (another proposer got there first), not
   * an error.
   */
  private async updateIf(
    sk: string,
    condition: string,
    change: Update,
  ): Promise<Item | undefined> {
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(sk),
          UpdateExpression: change.update,
          ConditionExpression: condition,
          ExpressionAttributeNames: namesIn(change.update, condition),
          ExpressionAttributeValues: change.values,
          ReturnValues: change.returnValues ?? "UPDATED_NEW",
        }),
      );
      return output.Attributes ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private async firstRanked(partition: string): Promise<TrialRecord | undefined> {
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: SCORE_INDEX,
        KeyConditionExpression: "#gsi1pk = :partition",
        ExpressionAttributeNames: namesIn("#gsi1pk"),
        ExpressionAttributeValues: { ":partition": text(partition) },
        Limit: 1,
      }),
    );
    const item = output.Items?.[0];
    return item === undefined ? undefined : toRecord(item);
  }

  /** Every page of a query: its items, or with Select COUNT only their number. */
  private async queryAll(
    query: Omit<QueryCommandInput, "TableName" | "ExpressionAttributeNames">,
  ): Promise<{ items: Item[]; count: number }> {
    const items: Item[] = [];
    let count = 0;
    let startKey: Item | undefined;

    do {
      const page = await this.client.send(
        new QueryCommand({
          ...query,
          TableName: this.tableName,
          ExpressionAttributeNames: namesIn(
            query.KeyConditionExpression,
            query.FilterExpression,
          ),
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);

    return { items, count };
  }

  /** Asks again, backing off, for keys DynamoDB left unprocessed (throttling, size). */
  private async batchGet(sks: readonly string[]): Promise<Item[]> {
    const items: Item[] = [];
    let keys = sks.map((sk) => this.key(sk));

    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > 0) await sleep(UNPROCESSED_BACKOFF_MS * 2 ** (attempt - 1));
      const output = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      items.push(...(output.Responses?.[this.tableName] ?? []));
      keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }

    return items;
  }
}

/**
 * Every attribute in an expression is written `#name`, so no attribute name
 * can clash with DynamoDB's reserved words (status, count, ...); this maps
 * each placeholder used back to its name, as DynamoDB rejects unused ones.
 */
function namesIn(...expressions: (string | undefined)[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const expression of expressions) {
    for (const [placeholder, name] of (expression ?? "").matchAll(/#(\w+)/g)) {
      names[placeholder] = name!;
    }
  }
  return names;
}

function proposalKey(requestId: string): string {
  return `REQ#${requestId}`;
}

function jobKey(trialId: string, rung: number): string {
  return `${TRIALS}${trialId}#${rung}`;
}

function memberKey(rung: number, position: number): string {
  return `MEMBER#${rung}#${String(position).padStart(POSITION_DIGITS, "0")}`;
}

function text(value: string): AttributeValue {
  return { S: value };
}

function number(value: number): AttributeValue {
  return { N: String(value) };
}

function readNumber(item: Item, name: string): number {
  return Number(item[name]?.N ?? 0);
}

function parseJson<T>(item: Item, name: string): T {
  return JSON.parse(item[name]!.S!) as T;
}

function toRunRecord(runId: string, settings: SearchSettings, item: Item): RunRecord {
  return {
    runId,
    settings,
    reserved: readNumber(item, "reserved"),
    spent: readNumber(item, "spent"),
    proposals: readNumber(item, "proposals"),
    completed: perRung(item, "completed"),
    promoted: perRung(item, "promoted"),
    createdAt: item.createdAt!.S!,
  };
}

/** The `<prefix><k>` counters of an item as a list by rung, 0 where a rung has none yet. */
function perRung(item: Item, prefix: string): number[] {
  const counts: number[] = [];
  for (const name of Object.keys(item)) {
    const rung = name.match(new RegExp(`^${prefix}(\\d+)$`))?.[1];
    if (rung !== undefined) counts[Number(rung)] = readNumber(item, name);
  }
  return Array.from(counts, (count) => count ?? 0);
}

/** A job item with its result, shaped as the memory store shapes records. */
function toRecord(item: Item): TrialRecord {
  return {
    ...parseJson<Job>(item, "job"),
    status: item.status!.S as TrialRecord["status"],
    seconds: readNumber(item, "seconds"),
    ...(item.score === undefined ? {} : { score: readNumber(item, "score") }),
    ...(item.reason === undefined ? {} : { reason: item.reason.S! }),
  };
}
