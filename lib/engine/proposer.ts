import { RunNotFoundError } from "../errors";
import { budgetProgress, remainingEpochs } from "./budget";
import { bottomShareSpent, shouldWait, trainingBelowTop } from "./endgame";
import { mutate, scheduled, shouldMutate, tournament } from "./evolution";
import { fastTextSpace } from "./fasttext-space";
import { RungLadder } from "./ladder";
import { claimEndgamePromotion, claimPromotion, mayPromote } from "./promotion";
import { Random } from "./random";
import type { SearchSettings } from "./settings";
import type { SearchSpace } from "./space";
import type { Proposal, RunRecord, SearchStore } from "./store";
import type { Configuration, Job, JobResult, Origin, TrialRecord } from "./trial";

/** One worker's request: its id (for retries) and the result of its last job, if any. */
export interface ProposeRequest {
  /** Unique per request; a retry reuses it and gets the same answer. */
  readonly requestId: string;
  readonly previous?: JobResult;
}

/**
 * The one entry point of the engine: every door (CLI worker pool, propose
 * Lambda) asks it for the next job. It keeps no state of its own; all of it
 * is in the store, so any number of proposers can serve one run.
 */
export class Proposer {
  readonly ladder: RungLadder;
  readonly space: SearchSpace;

  constructor(
    private readonly store: SearchStore,
    readonly settings: SearchSettings,
  ) {
    this.ladder = RungLadder.of(settings);
    this.space = fastTextSpace(settings.space);
  }

  /**
   * Records the worker's previous result, then hands out the next job: a
   * promotion if some rung has one to give; else, once the bottom rung has
   * had its share of the budget, an endgame promotion (see endgame.ts);
   * else a new bottom-rung trial, unless the endgame says to wait; else
   * "done" when the budget cannot pay for any.
   */
  async propose(request: ProposeRequest): Promise<Proposal> {
    const answered = await this.store.findProposal(request.requestId);
    if (answered !== undefined) return answered;

    if (request.previous !== undefined) await this.record(request.previous);

    const run = await this.currentRun();
    const endgame = bottomShareSpent(run, this.ladder);
    const job =
      (await this.promote(run, request.requestId)) ??
      (endgame ? await this.promoteInEndgame(run, request.requestId) : undefined) ??
      (shouldWait(run, this.ladder)
        ? undefined
        : await this.newTrial(run, request.requestId));
    const proposal: Proposal =
      job === undefined ? { action: "done" } : { action: "train", job };

    await this.store.saveProposal(request.requestId, proposal);
    return proposal;
  }

  /** Stores a finished job. A result that was already stored (a retry) changes nothing. */
  async record(result: JobResult): Promise<TrialRecord | undefined> {
    const record = await this.store.recordResult(result);
    if (record === undefined) return undefined;

    await this.store.countFinished(record);
    await this.store.offerBest(record);
    return record;
  }

  private async currentRun(): Promise<RunRecord> {
    const run = await this.store.getRun();
    if (run === undefined)
      throw new RunNotFoundError("No run in the store; create it first.");
    return run;
  }

  /** Scans the rungs from the top down (ASHA's get_job) for a promotion the budget can pay for. */
  private async promote(run: RunRecord, requestId: string): Promise<Job | undefined> {
    for (let rung = this.ladder.topRung - 1; rung >= 0; rung--) {
      const epochs = this.ladder.epochsAt(rung + 1);
      if (remainingEpochs(run) < epochs) continue;

      const finished = run.completed[rung] ?? 0;
      const promoted = run.promoted[rung] ?? 0;
      if (!mayPromote(this.settings.promotion, finished, promoted, this.ladder.eta))
        continue;
      if (!(await this.store.reserveEpochs(epochs))) continue;

      const winner = await claimPromotion(
        this.store,
        this.ladder,
        this.settings.promotion,
        rung,
        finished,
        promoted,
      );
      if (winner === undefined) {
        await this.store.releaseEpochs(epochs);
        continue;
      }

      const job = this.job(
        winner.trialId,
        rung + 1,
        winner.config,
        "promotion",
        requestId,
      );
      await this.store.addJob(job);
      return job;
    }
    return undefined;
  }

  /**
   * With the bottom rung's share spent, the epochs go to the best unpromoted
   * member of the highest rung the budget can still promote out of, in its
   * top 1/eta or not. While any job below the top rung is training, nothing
   * is promoted: the best member may be among them, or one of them may earn
   * ASHA's promotions and need the epochs more.
   */
  private async promoteInEndgame(
    run: RunRecord,
    requestId: string,
  ): Promise<Job | undefined> {
    if (trainingBelowTop(run, this.ladder)) return undefined;

    for (let rung = this.ladder.topRung - 1; rung >= 0; rung--) {
      const epochs = this.ladder.epochsAt(rung + 1);
      const unpromoted = (run.completed[rung] ?? 0) - (run.promoted[rung] ?? 0);
      if (remainingEpochs(run) < epochs || unpromoted <= 0) continue;
      if (!(await this.store.reserveEpochs(epochs))) continue;

      const winner = await claimEndgamePromotion(this.store, this.ladder, rung);
      if (winner === undefined) {
        await this.store.releaseEpochs(epochs);
        continue;
      }

      const job = this.job(winner.trialId, rung + 1, winner.config, "endgame", requestId);
      await this.store.addJob(job);
      return job;
    }
    return undefined;
  }

  /** A new bottom-rung trial: a random sample, or a mutated tournament winner. */
  private async newTrial(run: RunRecord, requestId: string): Promise<Job | undefined> {
    if (!(await this.store.reserveEpochs(this.ladder.epochsAt(0)))) return undefined;

    const sequence = await this.store.nextSequence();
    const random = Random.forProposal(this.settings.seed, sequence);
    const progress = budgetProgress(run);
    const topRungSize = run.completed[this.ladder.topRung] ?? 0;
    const evolution = this.settings.evolution;
    const tournamentSize = scheduled(evolution.tournamentSize, progress);

    const parent = shouldMutate(evolution, progress, topRungSize, random)
      ? await tournament(this.store, this.ladder, topRungSize, tournamentSize, random)
      : undefined;
    const config =
      parent === undefined
        ? this.space.sample(random)
        : mutate(this.space, parent.config, evolution, progress, random);
    const origin: Origin = parent === undefined ? "random" : "mutation";

    const job = this.job(
      trialName(sequence),
      0,
      config,
      origin,
      requestId,
      parent?.trialId,
    );
    await this.store.addJob(job);
    return job;
  }

  private job(
    trialId: string,
    rung: number,
    config: Configuration,
    origin: Origin,
    requestId: string,
    parentId?: string,
  ): Job {
    const hyperparameters =
      typeof config.lr === "number"
        ? { ...config, lr: roundLr(this.ladder.learningRate(config.lr, rung)) }
        : config;
    return {
      trialId,
      rung,
      epochs: this.ladder.epochsAt(rung),
      config,
      hyperparameters,
      origin,
      requestId,
      ...(parentId === undefined ? {} : { parentId }),
    };
  }
}

/** Trial ids sort in the order trials were created. */
export function trialName(sequence: number): string {
  return `t${String(sequence).padStart(6, "0")}`;
}

/** fastText reads lr as text; six significant digits keep the argument short. */
function roundLr(lr: number): number {
  return Number(lr.toPrecision(6));
}
