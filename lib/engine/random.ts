import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/**
 * Seeded randomness for one proposal.
 *
 * Each proposal draws from its own generator, seeded from the run's seed and
 * the proposal's sequence number. No generator state has to be stored or
 * shared between concurrent proposers, yet the same seed and the same order
 * of results give the same proposals.
 */
export class Random {
  private readonly generator: RandomGenerator;

  private constructor(seed: number) {
    this.generator = xoroshiro128plus(seed);
  }

  /** The generator for proposal number `sequence` of a run seeded with `seed`. */
  static forProposal(seed: number, sequence: number): Random {
    return new Random(mix(seed, sequence));
  }

  static fromSeed(seed: number): Random {
    return new Random(mix(seed, 0));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  /** Standard normal, by the Box-Muller transform. */
  gaussian(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("cannot pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** `count` distinct integers from [0, length), without building the range. */
  positions(length: number, count: number): number[] {
    if (count >= length)
      return this.sample(
        Array.from({ length }, (_, i) => i),
        length,
      );
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(this.int(0, length - 1));
    return [...chosen];
  }

  /** `count` distinct items in random order (all of them when there are fewer). */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0) {
      const index = this.int(0, pool.length - 1);
      chosen.push(pool.splice(index, 1)[0] as T);
    }
    return chosen;
  }
}

/** A 32-bit hash of two integers (murmur3's finaliser), so nearby seeds differ widely. */
function mix(seed: number, sequence: number): number {
  let h = (seed ^ Math.imul(sequence + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
