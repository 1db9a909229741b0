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
});
