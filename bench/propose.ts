/**
 * What one proposal costs on DynamoDB as a run grows: round trip and
 * capacity units per proposal against runs preloaded with 1k, 10k and 50k
 * finished trials, for both promotion rules, and proposals per second with
 * 64 concurrent callers. Runs against dynalite in this process.
 *
 *   npx tsx bench/propose.ts
 *
 * Prints a markdown table and writes it to bench/results/propose.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type ConsumedCapacity,
  DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { DynamoStore, runPartition } from "../lib/cloud/dynamo-store";
import { rankingKey } from "../lib/cloud/ranking-key";
import {
  fastTextSpace,
  type Job,
  type JobResult,
  Proposer,
  parseSettings,
  RungLadder,
  type SearchSettings,
  type TrialRecord,
  trialName,
} from "../lib/engine";
import { Random } from "../lib/engine/random";
import { startDynalite } from "../test/support/dynalite";
import { quality } from "../test/support/simulator";

type Rule = "bounded" | "exact";
type Item = Record<string, AttributeValue>;

/** Finished bottom-rung trials each run starts with. */
const SIZES = [1_000, 10_000, 50_000];

/**
 * Timed proposals per run. The exact rule counts every promoted record above
 * its candidate on every rung, a read that grows with the run and that
 * dynalite serves slowly, so it gets fewer at the larger sizes.
 */
const TIMED: Record<Rule, Record<number, number>> = {
  bounded: { 1000: 300, 10000: 300, 50000: 300 },
  exact: { 1000: 300, 10000: 60, 50000: 20 },
};

/** Untimed proposals before the timed ones. */
const WARM_UP = 200;

const CALLERS = 64;

/** Proposals each concurrent caller makes in the throughput measurement. */
const PER_CALLER: Record<Rule, Record<number, number>> = {
  bounded: { 1000: 10, 10000: 10, 50000: 10 },
  exact: { 1000: 4, 10000: 1, 50000: 1 },
};

const BATCH_WRITE_LIMIT = 25;

/** Operations DynamoDB bills in read units; every other one is a write. */
const READS = new Set(["GetItemCommand", "BatchGetItemCommand", "QueryCommand"]);

/** Capacity and requests of the calls made since the last reset. */
class Meter {
  read = 0;
  write = 0;
  failedConditions = 0;
  indexWrites = 0;
  requests = 0;

  reset(): void {
    this.read = 0;
    this.write = 0;
    this.failedConditions = 0;
    this.indexWrites = 0;
    this.requests = 0;
  }
}

/**
 * A client that asks for ConsumedCapacity on every call and adds it up.
 * dynalite reports table units only and nothing for a failed condition, so
 * two estimates are kept beside them: failed conditional writes (DynamoDB
 * bills each at least one write unit) and writes to the byScore index (one
 * unit to add an entry, two to move it between partitions).
 */
function meteredClient(meter: Meter): DynamoDBClient {
  const client = new DynamoDBClient({});
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = "TOTAL";
      meter.requests++;
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown })
          .ConsumedCapacity;
        const units = [consumed ?? []]
          .flat()
          .reduce(
            (sum: number, c) => sum + ((c as ConsumedCapacity).CapacityUnits ?? 0),
            0,
          );
        if (READS.has(context.commandName ?? "")) meter.read += units;
        else meter.write += units;
        meter.indexWrites += indexWriteUnits(input);
        return result;
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") {
          meter.failedConditions++;
        }
        throw error;
      }
    },
    { step: "initialize", name: "consumedCapacity" },
  );
  return client;
}

/** A result write adds an index entry; a promotion moves one (a delete and a put). */
function indexWriteUnits(input: Record<string, unknown>): number {
  const update = String(input.UpdateExpression ?? "");
  if (!update.includes("#gsi1pk")) return 0;
  return update.includes("#gsi1sk") ? 1 : 2;
}

interface Preloaded {
  readonly runId: string;
  readonly settings: SearchSettings;
  /** Job records written (one per trial and rung reached). */
  readonly records: number;
}

/**
 * Writes a run as if `trials` bottom-rung trials had finished and ASHA had
 * promoted the top 1/eta of every rung, in the item shapes DynamoStore
 * writes (see its layout), then checks that the store reads them back.
 */
async function preload(
  client: DynamoDBClient,
  tableName: string,
  trials: number,
  rule: Rule,
): Promise<Preloaded> {
  const runId = `bench-${trials}-${rule}`;
  const space = fastTextSpace();
  const random = Random.fromSeed(trials);
  // A budget large enough for the default ladder's full height.
  const probe = parseSettings({ budget: 1_000_000, promotion: rule });
  const ladder = RungLadder.of(probe);
  const items: Item[] = [];
  const completed: number[] = [];
  const promoted: number[] = [];

  let rung: TrialRecord[] = [];
  for (let i = 1; i <= trials; i++) {
    const config = space.sample(random);
    rung.push(record(trialName(i), 0, ladder, config, random));
  }
  for (let k = 0; k <= ladder.topRung; k++) {
    const ranked = [...rung].sort((a, b) => b.score! - a.score!);
    const quota = k < ladder.topRung ? Math.floor(rung.length / ladder.eta) : 0;
    const promotedHere = new Set(ranked.slice(0, quota).map((r) => r.trialId));
    rung.forEach((r, position) => {
      items.push(jobItem(runId, r, promotedHere.has(r.trialId)));
      items.push(memberItem(runId, r, position));
    });
    completed.push(rung.length);
    promoted.push(quota);
    rung = ranked
      .slice(0, quota)
      .map((r) => record(r.trialId, k + 1, ladder, r.config, random));
  }

  const spent = completed.reduce((sum, n, k) => sum + n * ladder.epochsAt(k), 0);
  // The evolution schedules run on the share of the budget spent, which would
  // differ between sizes; held at their midpoints, every size proposes alike.
  const settings = parseSettings({
    budget: spent + 1_000_000,
    promotion: rule,
    seed: 9,
    evolution: {
      mutationProbability: { start: 0.5, end: 0.5 },
      tournamentSize: { start: 3, end: 3 },
      mutatedParameters: { start: 2, end: 2 },
      noise: { start: 0.15, end: 0.15 },
    },
  });
  items.push(settingsItem(runId, settings));
  items.push(runItem(runId, trials, spent, completed, promoted));
  await batchWrite(client, tableName, items);

  await verify(client, tableName, runId, completed, items);
  return { runId, settings, records: items.length / 2 - 1 };
}

function record(
  trialId: string,
  rung: number,
  ladder: RungLadder,
  config: TrialRecord["config"],
  random: Random,
): TrialRecord {
  const epochs = ladder.epochsAt(rung);
  const lr = Number((Number(config.lr) * ladder.lrDecay ** rung).toPrecision(6));
  const job: Job = {
    trialId,
    rung,
    epochs,
    config,
    hyperparameters: { ...config, lr },
    origin: rung === 0 ? "random" : "promotion",
    requestId: `preload/${trialId}/${rung}`,
  };
  const score = quality(config) * (1 - Math.exp(-epochs / 6)) + 0.01 * random.gaussian();
  return { ...job, status: "ok", seconds: 10 * epochs, score };
}

function jobItem(runId: string, r: TrialRecord, isPromoted: boolean): Item {
  const { status, seconds, score, ...job } = r;
  return {
    pk: { S: runPartition(runId) },
    sk: { S: `TRIAL#${r.trialId}#${r.rung}` },
    job: { S: JSON.stringify(job) },
    status: { S: status },
    seconds: { N: String(seconds) },
    score: { N: String(score) },
    gsi1pk: { S: `${runId}#${r.rung}#${isPromoted ? "PROMOTED" : "OPEN"}` },
    gsi1sk: { S: rankingKey(score!, r.trialId) },
  };
}

function memberItem(runId: string, r: TrialRecord, position: number): Item {
  return {
    pk: { S: runPartition(runId) },
    sk: { S: `MEMBER#${r.rung}#${String(position).padStart(9, "0")}` },
    record: { S: JSON.stringify(r) },
  };
}

function settingsItem(runId: string, settings: SearchSettings): Item {
  return {
    pk: { S: runPartition(runId) },
    sk: { S: "SETTINGS" },
    settings: { S: JSON.stringify(settings) },
  };
}

function runItem(
  runId: string,
  proposals: number,
  spent: number,
  completed: readonly number[],
  promoted: readonly number[],
): Item {
  const item: Item = {
    pk: { S: runPartition(runId) },
    sk: { S: "RUN" },
    reserved: { N: String(spent) },
    spent: { N: String(spent) },
    proposals: { N: String(proposals) },
    createdAt: { S: new Date().toISOString() },
  };
  completed.forEach((n, k) => {
    item[`completed${k}`] = { N: String(n) };
  });
  promoted.forEach((n, k) => {
    if (n > 0) item[`promoted${k}`] = { N: String(n) };
  });
  return item;
}

/** BatchWriteItem in parallel chunks, asking again for what it left unprocessed. */
async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Item[],
): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
    chunks.push(
      items.slice(i, i + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } })),
    );
  }

  const writeChunks = async () => {
    for (let chunk = chunks.pop(); chunk !== undefined; chunk = chunks.pop()) {
      let requests: WriteRequest[] = chunk;
      while (requests.length > 0) {
        const output = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = output.UnprocessedItems?.[tableName] ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writeChunks));
}

/** Reads the preloaded run through the store, so the bench fails if the shapes drift. */
async function verify(
  client: DynamoDBClient,
  tableName: string,
  runId: string,
  completed: readonly number[],
  items: readonly Item[],
): Promise<void> {
  const store = new DynamoStore(client, tableName, runId);
  const run = await store.getRun();
  const firstMember = items.find((i) => i.sk?.S === "MEMBER#0#000000000")!;
  const [member] = await store.membersAt(0, [0]);
  const best = await store.bestUnpromoted(0);

  const problems = [
    JSON.stringify(run?.completed) === JSON.stringify(completed) ? "" : "run counters",
    JSON.stringify(member) === firstMember.record!.S ? "" : "member item",
    best?.status === "ok" ? "" : "byScore index",
  ].filter((p) => p !== "");
  if (problems.length > 0) {
    throw new Error(`preloaded ${runId} does not read back: ${problems.join(", ")}`);
  }
}

interface Measurement {
  readonly trials: number;
  readonly rule: Rule;
  readonly timed: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly rcu: number;
  readonly wcu: number;
  readonly failedConditions: number;
  readonly indexWcu: number;
  readonly throughput: number;
  readonly concurrentProposals: number;
}

function resultOf(job: Job): JobResult {
  return {
    trialId: job.trialId,
    rung: job.rung,
    status: "ok",
    score: quality(job.config) * (1 - Math.exp(-job.epochs / 6)),
    seconds: 10 * job.epochs,
  };
}

/** A proposal that must hand out a job, since the budget is far from spent. */
async function nextJob(
  proposer: Proposer,
  requestId: string,
  previous?: JobResult,
): Promise<Job> {
  const proposal = await proposer.propose({
    requestId,
    ...(previous === undefined ? {} : { previous }),
  });
  if (proposal.action !== "train") throw new Error(`${requestId}: the run ended early`);
  return proposal.job;
}

async function measure(
  tableName: string,
  run: Preloaded,
  trials: number,
  rule: Rule,
): Promise<Measurement> {
  const meter = new Meter();
  const client = meteredClient(meter);
  const proposer = new Proposer(
    new DynamoStore(client, tableName, run.runId),
    run.settings,
  );
  const timed = TIMED[rule][trials]!;
  const latencies: number[] = [];
  const totals = new Meter();

  // Warm, as a Lambda container would be: the store has cached the settings
  // and both processes have compiled their hot paths.
  let job = await nextJob(proposer, "warm/0");
  for (let i = 1; i <= WARM_UP; i++) {
    job = await nextJob(proposer, `warm/${i}`, resultOf(job));
  }
  for (let i = 0; i < timed; i++) {
    meter.reset();
    const started = performance.now();
    job = await nextJob(proposer, `timed/${i}`, resultOf(job));
    latencies.push(performance.now() - started);
    totals.read += meter.read;
    totals.write += meter.write;
    totals.failedConditions += meter.failedConditions;
    totals.indexWrites += meter.indexWrites;
    totals.requests += meter.requests;
  }
  client.destroy();

  const concurrent = await throughput(tableName, run, PER_CALLER[rule][trials]!);
  latencies.sort((a, b) => a - b);
  return {
    trials,
    rule,
    timed,
    medianMs: latencies[Math.floor((timed - 1) / 2)]!,
    p99Ms: latencies[Math.min(timed - 1, Math.ceil(0.99 * timed) - 1)]!,
    requests: totals.requests / timed,
    rcu: totals.read / timed,
    wcu: totals.write / timed,
    failedConditions: totals.failedConditions / timed,
    indexWcu: totals.indexWrites / timed,
    throughput: concurrent.perSecond,
    concurrentProposals: concurrent.proposals,
  };
}

/** Proposals per second with CALLERS callers, each with its own client as Lambda containers have. */
async function throughput(
  tableName: string,
  run: Preloaded,
  perCaller: number,
): Promise<{ perSecond: number; proposals: number }> {
  const callers = Array.from({ length: CALLERS }, (_, c) => {
    const client = new DynamoDBClient({});
    return {
      c,
      client,
      proposer: new Proposer(new DynamoStore(client, tableName, run.runId), run.settings),
    };
  });
  const jobs = await Promise.all(
    callers.map(({ c, proposer }) => nextJob(proposer, `concurrent/${c}/warm`)),
  );

  const started = performance.now();
  await Promise.all(
    callers.map(async ({ c, proposer }) => {
      let job = jobs[c]!;
      for (let i = 0; i < perCaller; i++) {
        job = await nextJob(proposer, `concurrent/${c}/${i}`, resultOf(job));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;

  for (const { client } of callers) client.destroy();
  const proposals = CALLERS * perCaller;
  return { perSecond: proposals / seconds, proposals };
}

function table(measurements: readonly Measurement[]): string {
  const header = [
    "| finished trials | rule | timed proposals | median ms | p99 ms | requests | RCU | WCU | failed conditions | index WCU (est.) | proposals/s, 64 callers |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const rows = measurements.map((m) =>
    [
      "",
      m.trials.toLocaleString("en-US"),
      m.rule,
      m.timed,
      m.medianMs.toFixed(1),
      m.p99Ms.toFixed(1),
      m.requests.toFixed(1),
      m.rcu.toFixed(1),
      m.wcu.toFixed(1),
      m.failedConditions.toFixed(2),
      m.indexWcu.toFixed(2),
      `${m.throughput.toFixed(0)} (${m.concurrentProposals})`,
      "",
    ]
      .join(" | ")
      .trim(),
  );
  return [...header, ...rows].join("\n");
}

function flatness(measurements: readonly Measurement[]): string {
  const bounded = measurements.filter((m) => m.rule === "bounded");
  const first = bounded[0]!;
  const last = bounded[bounded.length - 1]!;
  return `Bounded rule, RCU per proposal: ${first.rcu.toFixed(2)} at ${first.trials.toLocaleString("en-US")} trials, ${last.rcu.toFixed(2)} at ${last.trials.toLocaleString("en-US")} (x${(last.rcu / first.rcu).toFixed(2)}).`;
}

async function main(): Promise<void> {
  const measurements: Measurement[] = [];
  const began = performance.now();

  for (const trials of SIZES) {
    const dynamo = await startDynalite();
    const loader = new DynamoDBClient({});
    for (const rule of ["bounded", "exact"] as const) {
      const run = await preload(loader, dynamo.tableName, trials, rule);
      const measurement = await measure(dynamo.tableName, run, trials, rule);
      measurements.push(measurement);
      console.error(
        `${trials} ${rule}: ${run.records} records preloaded, median ${measurement.medianMs.toFixed(1)} ms (${((performance.now() - began) / 1000).toFixed(0)} s so far)`,
      );
    }
    loader.destroy();
    await dynamo.close();
  }

  const cpu = cpus();
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npx tsx bench/propose.ts\` on ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}, dynalite in the same process.`,
    "",
    table(measurements),
    "",
    flatness(measurements),
    "",
  ].join("\n");
  console.log(report);

  const results = join(__dirname, "results");
  await mkdir(results, { recursive: true });
  await writeFile(join(results, "propose.md"), report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
