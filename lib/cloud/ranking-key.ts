/**
 * Sort keys of the byScore index. In ascending order they list a rung's
 * records best first and break ties the way `isBetter` does (equal scores:
 * the smaller trial id first), so "the best unpromoted record" is the first
 * key of a partition and every store ranks alike.
 *
 * A key is `<score part>#<trialId>`. The score part is the score's IEEE 754
 * bit pattern, reordered so that higher scores give lower unsigned numbers,
 * in 16 hex digits. Its fixed width is what lets the trial id follow it
 * without disturbing the order, and lets a bare score part bound a range.
 */

const SIGN_BIT = 1n << 63n;
const ALL_BITS = (1n << 64n) - 1n;

/** The byScore sort key of a record with a finite `score`. */
export function rankingKey(score: number, trialId: string): string {
  return `${scorePart(score)}#${trialId}`;
}

/** Exactly the keys of records scoring strictly above `score` sort below this. */
export function keysAbove(score: number): string {
  return scorePart(score);
}

function scorePart(score: number): string {
  const view = new DataView(new ArrayBuffer(8));
  // -0 and 0 are the same score, so they must share a key.
  view.setFloat64(0, score === 0 ? 0 : score);
  const bits = view.getBigUint64(0);

  // Flipping the sign bit of positives and every bit of negatives makes the
  // unsigned order follow the numeric one; flipping all of it reverses that.
  const ascending = bits & SIGN_BIT ? ~bits & ALL_BITS : bits | SIGN_BIT;
  const descending = ALL_BITS ^ ascending;

  return descending.toString(16).padStart(16, "0");
}
