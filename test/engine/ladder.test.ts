import { RungLadder } from "../../lib/engine";

describe("RungLadder", () => {
  it("places rungs at r * eta^k epochs up to R", () => {
    const ladder = new RungLadder(1, 27, 3, 0.9);

    expect(ladder.epochs).toEqual([1, 3, 9, 27]);
    expect(ladder.topRung).toBe(3);
  });

  it("stops below R when R is not r * eta^k", () => {
    expect(new RungLadder(2, 40, 3, 1).epochs).toEqual([2, 6, 18]);
  });

  it("has a single rung when r equals R (random search)", () => {
    const ladder = new RungLadder(27, 27, 3, 0.9);

    expect(ladder.epochs).toEqual([27]);
    expect(ladder.isTop(0)).toBe(true);
  });

  it("decays the learning rate by the factor on each rung", () => {
    const ladder = new RungLadder(1, 27, 3, 0.8);

    expect(ladder.learningRate(0.5, 0)).toBe(0.5);
    expect(ladder.learningRate(0.5, 2)).toBeCloseTo(0.32, 10);
  });

  it("costs (top rung + 1) × R epochs to carry one configuration to the top", () => {
    const ladder = new RungLadder(1, 27, 3, 0.9);

    expect(ladder.climbCost).toBe(108);
    expect(ladder.describeClimb()).toBe("27 × 1 + 9 × 3 + 3 × 9 + 1 × 27");
    expect(new RungLadder(2, 40, 3, 1).climbCost).toBe(3 * 18);
    expect(new RungLadder(27, 27, 3, 1).climbCost).toBe(27);
  });

  it("refuses a rung above the top", () => {
    expect(() => new RungLadder(1, 9, 3, 1).epochsAt(3)).toThrow(
      /rung 3 is above the top rung 2/,
    );
  });
});
