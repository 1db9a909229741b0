import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectDataset, validateDataset } from "../../lib/dataset";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rungs-dataset-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(content: string): Promise<string> {
  const path = join(dir, "data.txt");
  await writeFile(path, content);
  return path;
}

describe("inspectDataset", () => {
  it("counts lines, labels and multi-label lines of a fastText file", async () => {
    const path = await file(
      [
        "__label__baking __label__bread how long to knead ?",
        "__label__baking oven too hot",
        "",
        "__label__eggs",
        "no label on this line",
        "__label__eggs\tsoft boiled\r",
      ].join("\n"),
    );

    const summary = await inspectDataset(path);

    expect(summary).toMatchObject({
      lines: 6,
      blankLines: 1,
      labelledLines: 4,
      unlabelledLines: 1,
      emptyTextLines: 1,
      multiLabelLines: 1,
      multiLabel: true,
      labelCounts: { baking: 2, eggs: 2, bread: 1 },
      unlabelledSamples: [{ line: 5, text: "no label on this line" }],
      emptyTextSamples: [{ line: 4, text: "__label__eggs" }],
    });
  });

  it("reads the shared AG News validation file in one streaming pass", async () => {
    const summary = await inspectDataset("/work/shared/data/ag_news/valid.txt");

    expect(summary).toMatchObject({
      lines: 3800,
      labelledLines: 3800,
      multiLabel: false,
    });
    expect(summary.labelCounts).toEqual({
      world: 950,
      sports: 950,
      business: 950,
      sci_tech: 950,
    });
  });
});

describe("validateDataset", () => {
  it("finds nothing wrong with a sound file", async () => {
    const path = await file("__label__a one\n__label__b two\n");

    const check = await validateDataset(path);

    expect(check.problems).toEqual([]);
  });

  it("reports a missing file and points to rungs prepare", async () => {
    const check = await validateDataset(join(dir, "nope.txt"));

    expect(check.problems).toMatchObject([
      { severity: "error", problem: "file not found" },
    ]);
    expect(check.problems[0]?.message).toMatch(
      /nope\.txt: file not found\..*rungs prepare/,
    );
  });

  it("reports an empty file", async () => {
    const check = await validateDataset(await file("\n\n"));

    expect(check.problems).toMatchObject([
      { severity: "error", problem: "the file is empty" },
    ]);
  });

  it("reports a file with no labelled lines, quoting its first lines", async () => {
    const check = await validateDataset(await file("text,label\nhello,a\n"));

    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]).toMatchObject({ severity: "error" });
    expect(check.problems[0]?.message).toContain(
      'no line starts with __label__, so fastText finds no examples (e.g. line 1: "text,label", line 2: "hello,a")',
    );
    expect(check.problems[0]?.fix).toMatch(/rungs prepare/);
  });

  it("warns about unlabelled and empty lines, with their numbers and cut text", async () => {
    const long = `stray ${"word ".repeat(30)}`;
    const path = await file(`__label__a one\n${long}\n__label__b\n__label__b two\n`);

    const check = await validateDataset(path);

    expect(check.problems.map((p) => p.severity)).toEqual(["warning", "warning"]);
    expect(check.problems[0]?.problem).toMatch(
      /^1 of 4 lines does not start with __label__.*line 2: "stray word.*…"/,
    );
    expect(check.problems[1]?.problem).toMatch(
      /^1 labelled line has no text.*line 3: "__label__b"/,
    );
  });

  it("warns when every line has the same label", async () => {
    const check = await validateDataset(await file("__label__a one\n__label__a two\n"));

    expect(check.problems).toMatchObject([
      { severity: "warning", problem: expect.stringContaining('same label "a"') },
    ]);
  });
});
