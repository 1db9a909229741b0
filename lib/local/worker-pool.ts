import type { Proposer } from "../engine/proposer";
import type { Job, JobResult, TrialRecord } from "../engine/trial";

export interface WorkerPoolOptions {
  readonly proposer: Proposer;
  /** Jobs to run at once. */
  readonly workers: number;
  /** Unique per invocation, so request ids never repeat across resumes. */
  readonly session: string;
  /** Jobs a killed run handed out but never finished; run before anything new. */
  readonly unfinished: readonly Job[];
  /** Trains one job. Must turn every training failure into a failed result. */
  readonly train: (job: Job, signal: AbortSignal) => Promise<JobResult>;
  readonly onStarted?: (job: Job) => void;
  readonly onFinished: (record: TrialRecord) => Promise<void> | void;
  /** Aborting stops every worker; jobs cut short are left unfinished for a resume. */
  readonly signal: AbortSignal;
}

/**
 * Runs `workers` loops on this machine, each asking the engine for a job,
 * training it, and reporting the result, until the engine answers "done".
 * This is the local twin of the Step Functions worker loop.
 */
export async function runWorkerPool(options: WorkerPoolOptions): Promise<void> {
  const backlog = [...options.unfinished];
  const worker = async (id: number) => {
    for (let iteration = 0; !options.signal.aborted; iteration++) {
      const job =
        backlog.shift() ??
        (await nextJob(options, `${options.session}/w${id}/${iteration}`));
      if (job === undefined) return;

      options.onStarted?.(job);
      const result = await options.train(job, options.signal);
      if (options.signal.aborted) return;

      const record = await options.proposer.record(result);
      if (record !== undefined) await options.onFinished(record);
    }
  };

  await Promise.all(Array.from({ length: options.workers }, (_, id) => worker(id)));
}

async function nextJob(
  options: WorkerPoolOptions,
  requestId: string,
): Promise<Job | undefined> {
  const proposal = await options.proposer.propose({ requestId });
  return proposal.action === "train" ? proposal.job : undefined;
}
