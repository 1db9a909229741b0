import type { SearchSettings } from "./settings";

/**
 * The rungs of ASHA: rung k trains for r * eta^k epochs, from r (minEpochs)
 * up to the largest such value not above R (maxEpochs).
 *
 * Departure from the paper: each rung also lowers the learning rate by a
 * factor (lrDecay^k). fastText trains every rung from scratch with a linearly
 * decaying rate, so a longer run at the same rate overshoots more often.
 */
export class RungLadder {
  /** The ladder a run's settings describe. */
  static of(
    settings: Pick<SearchSettings, "minEpochs" | "maxEpochs" | "eta" | "lrDecay">,
  ) {
    return new RungLadder(
      settings.minEpochs,
      settings.maxEpochs,
      settings.eta,
      settings.lrDecay,
    );
  }

  /** Epochs per rung, bottom first. */
  readonly epochs: readonly number[];

  constructor(
    readonly minEpochs: number,
    readonly maxEpochs: number,
    readonly eta: number,
    readonly lrDecay: number,
  ) {
    const epochs = [minEpochs];
    while (epochs[epochs.length - 1]! * eta <= maxEpochs) {
      epochs.push(epochs[epochs.length - 1]! * eta);
    }
    this.epochs = epochs;
  }

  /** Index of the top rung (the paper's s_max). */
  get topRung(): number {
    return this.epochs.length - 1;
  }

  epochsAt(rung: number): number {
    const epochs = this.epochs[rung];
    if (epochs === undefined)
      throw new RangeError(`rung ${rung} is above the top rung ${this.topRung}`);
    return epochs;
  }

  isTop(rung: number): boolean {
    return rung === this.topRung;
  }

  /**
   * Epochs spent before one configuration finishes the top rung: a
   * promotion out of a rung needs eta finished trials there, and fastText
   * retrains every rung from scratch. Each rung costs the same, eta^(top-k)
   * trials of r * eta^k epochs.
   */
  get climbCost(): number {
    return this.epochs.reduce(
      (sum, _, rung) => sum + this.trialsToClimb(rung) * this.epochsAt(rung),
      0,
    );
  }

  /** The climb, rung by rung, e.g. "27 × 1 + 9 × 3 + 3 × 9 + 1 × 27". */
  describeClimb(): string {
    return this.epochs
      .map((epochs, rung) => `${this.trialsToClimb(rung)} × ${epochs}`)
      .join(" + ");
  }

  private trialsToClimb(rung: number): number {
    return this.eta ** (this.topRung - rung);
  }

  /** The learning rate a configuration trains with on `rung`. */
  learningRate(baseLr: number, rung: number): number {
    return baseLr * this.lrDecay ** rung;
  }
}
