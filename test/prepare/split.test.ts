import fc from "fast-check";
import { stratifiedSplit } from "../../lib/prepare/split";

/** Strata of the given sizes over consecutive row indices. */
function strataOf(sizes: readonly number[]): Map<string, number[]> {
  let next = 0;
  return new Map(
    sizes.map((size, i) => [`label${i}`, Array.from({ length: size }, () => next++)]),
  );
}

const sizes = fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 8 });
const heldOut = fc.record({
  validFraction: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
  testFraction: fc.constantFrom(0, 0.1, 0.3),
});

describe("stratifiedSplit", () => {
  it("puts every row in exactly one split", () => {
    fc.assert(
      fc.property(sizes, heldOut, fc.nat(), (counts, fractions, seed) => {
        const { train, valid, test } = stratifiedSplit(strataOf(counts), fractions, seed);

        const all = [...train, ...valid, ...test].sort((a, b) => a - b);
        const total = counts.reduce((sum, n) => sum + n, 0);
        expect(all).toEqual(Array.from({ length: total }, (_, i) => i));
      }),
    );
  });

  it("holds out the rounded fraction of each label and keeps one row of it for training", () => {
    fc.assert(
      fc.property(sizes, heldOut, fc.nat(), (counts, fractions, seed) => {
        const strata = strataOf(counts);
        const { train, valid, test } = stratifiedSplit(strata, fractions, seed);

        for (const rows of strata.values()) {
          const n = rows.length;
          const inSplit = (split: readonly number[]) =>
            split.filter((r) => rows.includes(r)).length;
          const wantedTest = Math.round(fractions.testFraction * n);
          const wantedValid = Math.round(fractions.validFraction * n);
          expect(inSplit(train)).toBeGreaterThanOrEqual(1);
          if (wantedTest + wantedValid < n) {
            expect(inSplit(test)).toBe(wantedTest);
            expect(inSplit(valid)).toBe(wantedValid);
          }
        }
      }),
    );
  });

  it("gives the same split for the same seed and a different one for another seed", () => {
    const strata = strataOf([300, 120, 80]);
    const fractions = { validFraction: 0.1, testFraction: 0.1 };

    const first = stratifiedSplit(strata, fractions, 7);
    const again = stratifiedSplit(strata, fractions, 7);
    const other = stratifiedSplit(strata, fractions, 8);

    expect(again).toEqual(first);
    expect(other.valid).not.toEqual(first.valid);
  });

  it("shuffles the training rows so a file sorted by label does not train in label order", () => {
    const strata = strataOf([500, 500]);

    const { train } = stratifiedSplit(strata, { validFraction: 0.1, testFraction: 0 }, 1);

    const firstHalfFromLabel0 = train.slice(0, 450).filter((row) => row < 500).length;
    expect(firstHalfFromLabel0).toBeGreaterThan(150);
    expect(firstHalfFromLabel0).toBeLessThan(300);
  });
});
