import { SingleBar } from "cli-progress";
import { RungLadder } from "../engine/ladder";
import type { RunRecord } from "../engine/store";
import type { TrialRecord } from "../engine/trial";
import type { TuneProgress } from "../local/tune";

/**
 * Progress of `rungs tune`: a live bar on a terminal, one plain line per
 * finished job otherwise (CI logs, pipes), both on `stream`.
 */
export function tuneProgress(
  stream: NodeJS.WriteStream,
): TuneProgress & { stop(): void } {
  return stream.isTTY ? new BarProgress(stream) : new LineProgress(stream);
}

const score = (value: number | undefined) =>
  value === undefined ? "-" : value.toFixed(4);

class BarProgress implements TuneProgress {
  private readonly bar: SingleBar;
  private trials = 0;

  constructor(stream: NodeJS.WriteStream) {
    this.bar = new SingleBar({
      stream,
      format:
        "{bar} {value}/{total} epochs | {trials} jobs | best {best} | {duration_formatted} elapsed | ~{eta_formatted} left",
      barsize: 30,
      hideCursor: true,
      etaBuffer: 50,
    });
  }

  started(run: RunRecord, resumed: { finished: number }): void {
    this.trials = resumed.finished;
    this.bar.start(run.settings.budget, run.spent, { trials: this.trials, best: "-" });
  }

  finished(_record: TrialRecord, run: RunRecord, best: TrialRecord | undefined): void {
    this.trials++;
    this.bar.update(run.spent, { trials: this.trials, best: score(best?.score) });
  }

  testing(): void {
    this.stop();
  }

  stop(): void {
    this.bar.stop();
  }
}

class LineProgress implements TuneProgress {
  private readonly startedAt = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  started(run: RunRecord, resumed: { finished: number; unfinished: number }): void {
    const again = resumed.finished + resumed.unfinished > 0;
    this.stream.write(
      again
        ? `resuming ${run.runId}: ${resumed.finished} jobs kept, ${resumed.unfinished} to train again, ${run.spent}/${run.settings.budget} epochs spent\n`
        : `tuning ${run.runId}: budget ${run.settings.budget} epochs, rungs of ${RungLadder.of(run.settings).epochs.join(", ")} epochs\n`,
    );
  }

  finished(record: TrialRecord, run: RunRecord, best: TrialRecord | undefined): void {
    const outcome =
      record.status === "ok"
        ? `score ${score(record.score)}`
        : `failed (${record.reason})`;
    const elapsed = ((Date.now() - this.startedAt) / 1000).toFixed(0);
    this.stream.write(
      `[${run.spent}/${run.settings.budget} epochs, ${elapsed}s] ${record.trialId} rung ${record.rung} (${epochs(record.epochs)}) ${outcome} | best ${score(best?.score)}\n`,
    );
  }

  testing(best: TrialRecord): void {
    this.stream.write(
      `retraining ${best.trialId} (${epochs(best.epochs)}) to score it on the test file\n`,
    );
  }

  stop(): void {}
}

const epochs = (n: number) => (n === 1 ? "1 epoch" : `${n} epochs`);
