import type { Configuration } from "../../lib/engine";
import {
  DEFAULT_FASTTEXT_SPACE,
  fastTextSpace,
  parseFastTextSpace,
} from "../../lib/engine";
import { Random } from "../../lib/engine/random";
import { fromUnit, SearchSpace, toUnit } from "../../lib/engine/space";
import { InvalidSearchSpaceError } from "../../lib/errors";

describe("SearchSpace", () => {
  it("samples every parameter inside its range, integers as integers", () => {
    const space = fastTextSpace();
    const random = Random.fromSeed(1);

    for (let i = 0; i < 500; i++) {
      const config = space.sample(random);
      for (const [name, parameter] of Object.entries(DEFAULT_FASTTEXT_SPACE)) {
        const value = config[name];
        if (parameter.type === "choice") {
          expect(parameter.values).toContain(value);
        } else {
          expect(value).toBeGreaterThanOrEqual(parameter.min);
          expect(value).toBeLessThanOrEqual(parameter.max);
          if (parameter.type === "int") expect(Number.isInteger(value)).toBe(true);
        }
      }
    }
  });

  it("samples log parameters evenly across orders of magnitude", () => {
    const space = new SearchSpace({
      lr: { type: "float", min: 0.01, max: 10, log: true },
    });
    const random = Random.fromSeed(2);

    const values = Array.from({ length: 3000 }, () => Number(space.sample(random).lr));
    const belowPointOne = values.filter((v) => v < 0.1).length / values.length;
    expect(belowPointOne).toBeGreaterThan(0.28);
    expect(belowPointOne).toBeLessThan(0.39);
  });

  it("keeps fastText's rules between parameters after sampling and mutation", () => {
    const space = fastTextSpace();
    const random = Random.fromSeed(3);

    for (let i = 0; i < 500; i++) {
      const parent = space.sample(random);
      const child = space.mutate(parent, ["minn", "maxn", "loss", "neg"], 0.5, random);
      for (const config of [parent, child]) {
        if (config.minn === 0) expect(config.maxn).toBe(0);
        else expect(Number(config.maxn)).toBeGreaterThanOrEqual(Number(config.minn));
        if (config.loss !== "ns") expect(config.neg).toBe(5);
      }
    }
  });

  it("mutates only the named parameters and resamples a choice to another value", () => {
    const space = fastTextSpace();
    const random = Random.fromSeed(4);
    const parent: Configuration = {
      ...space.sample(random),
      loss: "softmax",
      minn: 2,
      maxn: 5,
    };

    const child = space.mutate(parent, ["loss", "dim"], 0.1, random);

    expect(child.loss).not.toBe("softmax");
    for (const name of ["lr", "wordNgrams", "bucket", "minn", "maxn", "t"]) {
      expect(child[name]).toBe(parent[name]);
    }
  });

  it("maps values to the unit interval and back", () => {
    const parameter = { type: "int" as const, min: 10, max: 1000, log: true };

    expect(fromUnit(parameter, toUnit(parameter, 100))).toBe(100);
    expect(toUnit(parameter, 5000)).toBe(1);
  });
});

describe("parseFastTextSpace", () => {
  it("lists every problem, naming the parameter, the value and what is allowed", () => {
    const attempt = () =>
      parseFastTextSpace({
        lr: { type: "float", min: 0, max: 1, log: true },
        dim: { type: "int", min: 300, max: 10 },
        epoch: { type: "int", min: 1, max: 50 },
        learningRate: { type: "float", min: 0.1, max: 1 },
        loss: { type: "choice", values: [] },
      });

    expect(attempt).toThrow(InvalidSearchSpaceError);
    const problems = captureProblems(attempt);
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/"lr": min 0 must be > 0 on a log scale/),
        expect.stringMatching(/"dim": min 300 is above max 10/),
        expect.stringMatching(/"epoch": epochs are set by the rungs/),
        expect.stringMatching(
          /"learningRate": not a fastText supervised option; allowed: lr, dim/,
        ),
        expect.stringMatching(/"loss": "values" must be a non-empty list/),
      ]),
    );
  });

  it("rejects something that is not an object of parameters", () => {
    expect(captureProblems(() => parseFastTextSpace([1, 2]))).toEqual([
      expect.stringMatching(/expected a JSON object of parameters .* received a list/),
    ]);
  });

  it("accepts a narrowed space and samples only its parameters", () => {
    const space = parseFastTextSpace({
      lr: { type: "float", min: 0.1, max: 1 },
      wordNgrams: { type: "int", min: 1, max: 3 },
    });

    expect(Object.keys(space.sample(Random.fromSeed(5))).sort()).toEqual([
      "lr",
      "wordNgrams",
    ]);
  });
});

function captureProblems(attempt: () => unknown): readonly string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof InvalidSearchSpaceError) return error.problems;
    throw error;
  }
  throw new Error("expected the space to be rejected");
}
