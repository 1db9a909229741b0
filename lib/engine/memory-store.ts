import { incremented } from "./counts";
import type { SearchSettings } from "./settings";
import type { Proposal, RunRecord, SearchStore } from "./store";
import { type Job, type JobResult, rankingScore, type TrialRecord } from "./trial";

type Entry = { job: Job; record?: TrialRecord; promoted: boolean };

/**
 * The store in memory, for tests and simulations. Each method completes
 * without awaiting anything in between, which gives it the same all-or-nothing
 * behaviour as one conditional write.
 */
export class MemoryStore implements SearchStore {
  private run: RunRecord | undefined;
  private readonly proposals = new Map<string, Proposal>();
  private readonly entries = new Map<string, Entry>();
  private readonly members: TrialRecord[][] = [];
  private bestRecord: TrialRecord | undefined;

  async createRun(runId: string, settings: SearchSettings): Promise<RunRecord> {
    this.run ??= {
      runId,
      settings,
      reserved: 0,
      spent: 0,
      proposals: 0,
      completed: [],
      promoted: [],
      createdAt: new Date().toISOString(),
    };
    return this.run;
  }

  async getRun(): Promise<RunRecord | undefined> {
    return this.run;
  }

  async nextSequence(): Promise<number> {
    const run = this.requireRun();
    this.run = { ...run, proposals: run.proposals + 1 };
    return this.run.proposals;
  }

  async reserveEpochs(epochs: number): Promise<boolean> {
    const run = this.requireRun();
    if (run.reserved + epochs > run.settings.budget) return false;
    this.run = { ...run, reserved: run.reserved + epochs };
    return true;
  }

  async releaseEpochs(epochs: number): Promise<void> {
    const run = this.requireRun();
    this.run = { ...run, reserved: run.reserved - epochs };
  }

  async findProposal(requestId: string): Promise<Proposal | undefined> {
    return this.proposals.get(requestId);
  }

  async saveProposal(requestId: string, proposal: Proposal): Promise<void> {
    this.proposals.set(requestId, proposal);
  }

  async addJob(job: Job): Promise<boolean> {
    const key = entryKey(job.trialId, job.rung);
    if (this.entries.has(key)) return false;
    this.entries.set(key, { job, promoted: false });
    return true;
  }

  async recordResult(result: JobResult): Promise<TrialRecord | undefined> {
    const entry = this.entries.get(entryKey(result.trialId, result.rung));
    if (entry === undefined || entry.record !== undefined) return undefined;
    entry.record = {
      ...entry.job,
      status: result.status,
      seconds: result.seconds,
      ...(result.score === undefined ? {} : { score: result.score }),
      ...(result.reason === undefined ? {} : { reason: result.reason }),
    };
    return entry.record;
  }

  async countFinished(record: TrialRecord): Promise<void> {
    const run = this.requireRun();
    this.run = {
      ...run,
      spent: run.spent + record.epochs,
      completed: incremented(run.completed, record.rung),
    };
    while (this.members.length <= record.rung) this.members.push([]);
    this.members[record.rung]!.push(record);
  }

  async claimPromotionSlot(rung: number, quota: number): Promise<boolean> {
    const run = this.requireRun();
    if ((run.promoted[rung] ?? 0) >= quota) return false;
    this.run = { ...run, promoted: incremented(run.promoted, rung) };
    return true;
  }

  async releasePromotionSlot(rung: number): Promise<void> {
    const run = this.requireRun();
    this.run = { ...run, promoted: incremented(run.promoted, rung, -1) };
  }

  async bestUnpromoted(rung: number): Promise<TrialRecord | undefined> {
    return this.rungEntries(rung)
      .filter((e) => !e.promoted && rankingScore(e.record!) > Number.NEGATIVE_INFINITY)
      .map((e) => e.record!)
      .reduce<TrialRecord | undefined>(
        (best, r) => (best && !isBetter(r, best) ? best : r),
        undefined,
      );
  }

  async countPromotedAbove(rung: number, score: number): Promise<number> {
    return this.rungEntries(rung).filter(
      (e) => e.promoted && rankingScore(e.record!) > score,
    ).length;
  }

  async markPromoted(trialId: string, rung: number): Promise<boolean> {
    const entry = this.entries.get(entryKey(trialId, rung));
    if (entry?.record === undefined || entry.promoted) return false;
    entry.promoted = true;
    return true;
  }

  async membersAt(rung: number, positions: readonly number[]): Promise<TrialRecord[]> {
    const members = this.members[rung] ?? [];
    return positions.flatMap((p) => (members[p] === undefined ? [] : [members[p]]));
  }

  async offerBest(record: TrialRecord): Promise<void> {
    if (rankingScore(record) === Number.NEGATIVE_INFINITY) return;
    if (this.bestRecord === undefined || isBetter(record, this.bestRecord))
      this.bestRecord = record;
  }

  async best(): Promise<TrialRecord | undefined> {
    return this.bestRecord;
  }

  async finished(): Promise<TrialRecord[]> {
    return [...this.entries.values()].flatMap((e) => (e.record ? [e.record] : []));
  }

  /** Whether a trial was promoted out of a rung (for tests). */
  isPromoted(trialId: string, rung: number): boolean {
    return this.entries.get(entryKey(trialId, rung))?.promoted ?? false;
  }

  private rungEntries(rung: number): Entry[] {
    return [...this.entries.values()].filter((e) => e.job.rung === rung && e.record);
  }

  private requireRun(): RunRecord {
    if (this.run === undefined) throw new Error("createRun must be called first");
    return this.run;
  }
}

/**
 * Ties break towards the earlier trial, so every store orders equal scores
 * the same way and runs stay reproducible.
 */
export function isBetter(a: TrialRecord, b: TrialRecord): boolean {
  const difference = rankingScore(a) - rankingScore(b);
  return difference > 0 || (difference === 0 && a.trialId < b.trialId);
}

function entryKey(trialId: string, rung: number): string {
  return `${trialId}#${rung}`;
}
