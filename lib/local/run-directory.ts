import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TrialRecord } from "../engine/trial";

/**
 * The files of a local run, all in one output directory:
 * - state.sqlite: the search state (the source of truth; what a resume reads)
 * - run.json: the datasets and options the run was started with
 * - trials.jsonl: one line per finished job, rebuilt from the state on resume
 * - best.json: the best configuration so far, then its test score
 * - best.bin: the best configuration retrained, when a test file is given
 * - jobs/: models of the jobs running now
 */
export class RunDirectory {
  constructor(readonly path: string) {}

  get stateFile() {
    return join(this.path, "state.sqlite");
  }

  get trialsFile() {
    return join(this.path, "trials.jsonl");
  }

  get bestFile() {
    return join(this.path, "best.json");
  }

  get bestModel() {
    return join(this.path, "best.bin");
  }

  /** Where running jobs keep their models; emptied at every start, since a killed job leaves its model behind. */
  get jobsDir() {
    return join(this.path, "jobs");
  }

  private get runFile() {
    return join(this.path, "run.json");
  }

  async create(): Promise<void> {
    await mkdir(this.path, { recursive: true });
    await rm(this.jobsDir, { recursive: true, force: true });
    await mkdir(this.jobsDir);
  }

  /** What the run was started with, or undefined for a new directory. */
  async readRunFile(): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.runFile, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async writeRunFile(description: unknown): Promise<void> {
    await writeFile(this.runFile, `${JSON.stringify(description, null, 2)}\n`);
  }

  /**
   * Rewrites trials.jsonl from the state, so that a line lost to a kill
   * between the state write and the file append comes back.
   */
  async rewriteTrials(records: readonly TrialRecord[]): Promise<void> {
    await writeFile(this.trialsFile, records.map((r) => `${trialLine(r)}\n`).join(""));
  }

  async appendTrial(record: TrialRecord): Promise<void> {
    await appendFile(this.trialsFile, `${trialLine(record)}\n`);
  }

  async writeBest(best: unknown): Promise<void> {
    await writeFile(this.bestFile, `${JSON.stringify(best, null, 2)}\n`);
  }
}

/**
 * One finished job. `config` is exactly what fastText trained with (the
 * rung's decayed lr included), so `fasttext supervised ... -epoch <epochs>`
 * with these options reproduces it.
 */
export function trialLine(record: TrialRecord): string {
  return JSON.stringify({
    trialId: record.trialId,
    rung: record.rung,
    epochs: record.epochs,
    config: record.hyperparameters,
    score: record.score ?? null,
    seconds: Number(record.seconds.toFixed(3)),
    status: record.status,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    origin: record.origin,
    ...(record.parentId === undefined ? {} : { parentId: record.parentId }),
  });
}
