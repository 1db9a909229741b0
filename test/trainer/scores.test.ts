import { parseTestOutput } from "../../lib/trainer/scores";

describe("parseTestOutput", () => {
  it("reads N, P@1 and R@1 from fasttext test output", () => {
    const scores = parseTestOutput("N\t3800\nP@1\t0.851\nR@1\t0.851\n");

    expect(scores).toEqual({ examples: 3800, precision: 0.851, recall: 0.851 });
  });

  it("tolerates Windows line ends, extra spaces and lines around the scores", () => {
    const output = "Loading model\r\nN  1500 \r\nP@1\t0.381\r\nR@1\t0.165\r\nbye\r\n";

    expect(parseTestOutput(output)).toEqual({
      examples: 1500,
      precision: 0.381,
      recall: 0.165,
    });
  });

  it.each([
    ["a missing line", "N\t200\nP@1\t0.5\n"],
    ["the nan of a file with no labelled lines", "N\t0\nP@1\tnan\nR@1\tnan\n"],
    ["unrelated text", "Segmentation fault\n"],
    ["nothing", ""],
  ])("gives undefined for %s", (_case, output) => {
    expect(parseTestOutput(output)).toBeUndefined();
  });
});
