import { parseSettings } from "../../lib/engine";
import { InvalidSettingsError } from "../../lib/errors";

describe("parseSettings", () => {
  it("fills the documented defaults", () => {
    const settings = parseSettings({ budget: 300 });

    expect(settings).toMatchObject({
      budget: 300,
      minEpochs: 1,
      maxEpochs: 27,
      eta: 3,
      lrDecay: 0.9,
      promotion: "bounded",
      seed: 1,
      evolution: { mode: "auto", mutationProbability: { start: 0.2, end: 0.8 } },
    });
    expect(Object.keys(settings.space)).toHaveLength(11);
  });

  it("lists every problem with the value received and the range allowed", () => {
    let problems: readonly string[] = [];
    try {
      parseSettings(
        {
          budget: -5,
          eta: 1,
          lrDecay: 2,
          evolution: { mode: "sometimes" },
          colour: "red",
        },
        (path) => `--${path}`,
      );
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSettingsError);
      problems = (error as InvalidSettingsError).problems;
    }

    expect(problems).toEqual(
      expect.arrayContaining([
        "--budget: received -5; must be > 0",
        "--eta: received 1; must be >= 2",
        "--lrDecay: received 2; must be <= 1",
        '--evolution.mode: received "sometimes"; must be one of "auto", "off", "on"',
        'input: unknown field(s) "colour"; remove them or check the spelling',
      ]),
    );
  });

  it("refuses a top rung below the bottom rung", () => {
    expect(() => parseSettings({ budget: 10, minEpochs: 9, maxEpochs: 3 })).toThrow(
      /maxEpochs: received 3; must be at least minEpochs \(9\)/,
    );
  });

  it("fits the default top rung to the highest one the budget can reach", () => {
    const topFor = (budget: number, more = {}) =>
      parseSettings({ budget, ...more }).maxEpochs;

    expect(topFor(108)).toBe(27);
    expect(topFor(107)).toBe(9);
    expect(topFor(27)).toBe(9);
    expect(topFor(26)).toBe(3);
    expect(topFor(5)).toBe(1);
    expect(topFor(1)).toBe(1);
    expect(topFor(200, { eta: 2 })).toBe(16);
    expect(topFor(40, { minEpochs: 2 })).toBe(6);
  });

  it("refuses a top rung the budget cannot reach, naming the budget and the rung that would fit", () => {
    expect(() =>
      parseSettings({ budget: 50, maxEpochs: 27 }, (path) => `--${path}`),
    ).toThrow(
      "--budget: received 50; no configuration could reach the top rung of 27 epochs, since getting one there costs 108 epochs (27 × 1 + 9 × 3 + 3 × 9 + 1 × 27). Raise --budget to at least 108, or lower --maxEpochs to 9 (or leave it unset to fit the budget)",
    );
    expect(parseSettings({ budget: 108, maxEpochs: 27 }).maxEpochs).toBe(27);
  });

  it("refuses a budget smaller than one bottom-rung trial", () => {
    expect(() => parseSettings({ budget: 2, minEpochs: 3 })).toThrow(
      "budget: received 2; must be at least minEpochs (3), the cost of one bottom-rung trial",
    );
    expect(() => parseSettings({ budget: 2, minEpochs: 3, maxEpochs: 3 })).toThrow(
      /must be at least minEpochs \(3\)/,
    );
  });
});
