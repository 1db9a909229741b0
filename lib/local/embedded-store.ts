import Database from "better-sqlite3";
import { incremented } from "../engine/counts";
import type { SearchSettings } from "../engine/settings";
import type { Proposal, RunRecord, SearchStore } from "../engine/store";
import type { Job, JobResult, TrialRecord } from "../engine/trial";

/**
 * The search state of a local run, in one SQLite file in the output
 * directory. Every method is one statement (or one SQLite transaction), so a
 * `kill -9` leaves the file as it was after the last completed call: that is
 * what lets `rungs tune` resume.
 *
 * Only one process opens a run at a time (the CLI); the worker pool shares
 * this one connection, so there are no concurrent writers to arbitrate.
 */
export class EmbeddedStore implements SearchStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  async createRun(runId: string, settings: SearchSettings): Promise<RunRecord> {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO run (id, run_id, settings, created_at) VALUES (1, ?, ?, ?)`,
      )
      .run(runId, JSON.stringify(settings), new Date().toISOString());
    return this.requireRun();
  }

  async getRun(): Promise<RunRecord | undefined> {
    const row = this.db.prepare("SELECT * FROM run WHERE id = 1").get() as
      | RunRow
      | undefined;
    return row === undefined ? undefined : toRunRecord(row);
  }

  async nextSequence(): Promise<number> {
    const row = this.db
      .prepare(
        "UPDATE run SET proposals = proposals + 1 WHERE id = 1 RETURNING proposals",
      )
      .get() as { proposals: number };
    return row.proposals;
  }

  async reserveEpochs(epochs: number): Promise<boolean> {
    const budget = this.requireRun().settings.budget;
    const changed = this.db
      .prepare(
        "UPDATE run SET reserved = reserved + ? WHERE id = 1 AND reserved + ? <= ?",
      )
      .run(epochs, epochs, budget).changes;
    return changed === 1;
  }

  async releaseEpochs(epochs: number): Promise<void> {
    this.db.prepare("UPDATE run SET reserved = reserved - ? WHERE id = 1").run(epochs);
  }

  async findProposal(requestId: string): Promise<Proposal | undefined> {
    const row = this.db
      .prepare("SELECT proposal FROM proposals WHERE request_id = ?")
      .get(requestId) as { proposal: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.proposal) as Proposal);
  }

  async saveProposal(requestId: string, proposal: Proposal): Promise<void> {
    this.db
      .prepare("INSERT OR IGNORE INTO proposals (request_id, proposal) VALUES (?, ?)")
      .run(requestId, JSON.stringify(proposal));
  }

  async addJob(job: Job): Promise<boolean> {
    const changed = this.db
      .prepare("INSERT OR IGNORE INTO jobs (trial_id, rung, job) VALUES (?, ?, ?)")
      .run(job.trialId, job.rung, JSON.stringify(job)).changes;
    return changed === 1;
  }

  async recordResult(result: JobResult): Promise<TrialRecord | undefined> {
    const row = this.db
      .prepare(
        `UPDATE jobs SET status = ?, score = ?, reason = ?, seconds = ?
         WHERE trial_id = ? AND rung = ? AND status = 'running' RETURNING *`,
      )
      .get(
        result.status,
        result.status === "ok" ? (result.score ?? null) : null,
        result.reason ?? null,
        result.seconds,
        result.trialId,
        result.rung,
      ) as JobRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  async countFinished(record: TrialRecord): Promise<void> {
    const count = this.db.transaction(() => {
      const run = this.requireRun();
      this.db
        .prepare("UPDATE run SET spent = spent + ?, completed = ? WHERE id = 1")
        .run(record.epochs, JSON.stringify(incremented(run.completed, record.rung)));
      this.db
        .prepare("UPDATE jobs SET position = ? WHERE trial_id = ? AND rung = ?")
        .run(run.completed[record.rung] ?? 0, record.trialId, record.rung);
    });
    count();
  }

  async claimPromotionSlot(rung: number, quota: number): Promise<boolean> {
    const claim = this.db.transaction(() => {
      const run = this.requireRun();
      if ((run.promoted[rung] ?? 0) >= quota) return false;
      this.setPromoted(incremented(run.promoted, rung));
      return true;
    });
    return claim();
  }

  async releasePromotionSlot(rung: number): Promise<void> {
    const release = this.db.transaction(() => {
      this.setPromoted(incremented(this.requireRun().promoted, rung, -1));
    });
    release();
  }

  async bestUnpromoted(rung: number): Promise<TrialRecord | undefined> {
    const row = this.db
      .prepare(
        `SELECT * FROM jobs WHERE rung = ? AND status = 'ok' AND promoted = 0 AND score IS NOT NULL
         ORDER BY score DESC, trial_id ASC LIMIT 1`,
      )
      .get(rung) as JobRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  async countPromotedAbove(rung: number, score: number): Promise<number> {
    const row = this.db
      .prepare(
        "SELECT COUNT(*) AS n FROM jobs WHERE rung = ? AND promoted = 1 AND score > ?",
      )
      .get(rung, score) as { n: number };
    return row.n;
  }

  async markPromoted(trialId: string, rung: number): Promise<boolean> {
    const changed = this.db
      .prepare(
        `UPDATE jobs SET promoted = 1
         WHERE trial_id = ? AND rung = ? AND promoted = 0 AND status != 'running'`,
      )
      .run(trialId, rung).changes;
    return changed === 1;
  }

  async membersAt(rung: number, positions: readonly number[]): Promise<TrialRecord[]> {
    const select = this.db.prepare("SELECT * FROM jobs WHERE rung = ? AND position = ?");
    return positions.flatMap((position) => {
      const row = select.get(rung, position) as JobRow | undefined;
      return row === undefined ? [] : [toRecord(row)];
    });
  }

  /** Nothing to do: `best()` is an indexed query over the finished jobs. */
  async offerBest(): Promise<void> {}

  async best(): Promise<TrialRecord | undefined> {
    const row = this.db
      .prepare(
        `SELECT * FROM jobs WHERE status = 'ok' AND score IS NOT NULL
         ORDER BY score DESC, trial_id ASC LIMIT 1`,
      )
      .get() as JobRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  async finished(): Promise<TrialRecord[]> {
    const rows = this.db
      .prepare("SELECT * FROM jobs WHERE status != 'running' ORDER BY rowid")
      .all() as JobRow[];
    return rows.map(toRecord);
  }

  /**
   * Jobs handed out that never reported back: the run was killed while they
   * trained. Their epochs are still reserved, so a resumed run trains them
   * again instead of proposing new work.
   */
  async unfinishedJobs(): Promise<Job[]> {
    const rows = this.db
      .prepare("SELECT job FROM jobs WHERE status = 'running' ORDER BY rowid")
      .all() as { job: string }[];
    return rows.map((row) => JSON.parse(row.job) as Job);
  }

  private setPromoted(promoted: readonly number[]): void {
    this.db
      .prepare("UPDATE run SET promoted = ? WHERE id = 1")
      .run(JSON.stringify(promoted));
  }

  private requireRun(): RunRecord {
    const row = this.db.prepare("SELECT * FROM run WHERE id = 1").get() as
      | RunRow
      | undefined;
    if (row === undefined) throw new Error("createRun must be called first");
    return toRunRecord(row);
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  run_id TEXT NOT NULL,
  settings TEXT NOT NULL,
  reserved INTEGER NOT NULL DEFAULT 0,
  spent INTEGER NOT NULL DEFAULT 0,
  proposals INTEGER NOT NULL DEFAULT 0,
  completed TEXT NOT NULL DEFAULT '[]',
  promoted TEXT NOT NULL DEFAULT '[]',
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS proposals (
  request_id TEXT PRIMARY KEY,
  proposal TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  trial_id TEXT NOT NULL,
  rung INTEGER NOT NULL,
  job TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running',
  score REAL,
  reason TEXT,
  seconds REAL,
  promoted INTEGER NOT NULL DEFAULT 0,
  position INTEGER,
  PRIMARY KEY (trial_id, rung)
);
CREATE INDEX IF NOT EXISTS jobs_by_score ON jobs (rung, promoted, score DESC);
CREATE INDEX IF NOT EXISTS jobs_by_position ON jobs (rung, position);
`;

interface RunRow {
  run_id: string;
  settings: string;
  reserved: number;
  spent: number;
  proposals: number;
  completed: string;
  promoted: string;
  created_at: string;
}

interface JobRow {
  job: string;
  status: "ok" | "failed";
  score: number | null;
  reason: string | null;
  seconds: number;
}

function toRunRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    settings: JSON.parse(row.settings) as SearchSettings,
    reserved: row.reserved,
    spent: row.spent,
    proposals: row.proposals,
    completed: JSON.parse(row.completed) as number[],
    promoted: JSON.parse(row.promoted) as number[],
    createdAt: row.created_at,
  };
}

function toRecord(row: JobRow): TrialRecord {
  return {
    ...(JSON.parse(row.job) as Job),
    status: row.status,
    seconds: row.seconds,
    ...(row.score === null ? {} : { score: row.score }),
    ...(row.reason === null ? {} : { reason: row.reason }),
  };
}
