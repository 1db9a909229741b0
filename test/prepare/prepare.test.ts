import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PrepareOptions, prepare } from "../../lib/prepare";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rungs-prepare-test-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes an input file into the test's directory and returns its path. */
async function input(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const out = () => join(dir, "out");

async function lines(split: string): Promise<string[]> {
  const text = await readFile(join(out(), `${split}.txt`), "utf8");
  return text.split("\n").filter((line) => line !== "");
}

/** All written lines, whatever split they went to, sorted. */
async function allLines(): Promise<string[]> {
  return [...(await lines("train")), ...(await lines("valid"))].sort();
}

/** A CSV with a header and `count` rows "label,text" for each label, grouped by label. */
function csvRows(counts: Readonly<Record<string, number>>): string {
  const rows = Object.entries(counts).flatMap(([label, count]) =>
    Array.from({ length: count }, (_, i) => `${label},text ${i} of ${label}`),
  );
  return `label,text\n${rows.join("\n")}\n`;
}

const run = (options: Partial<PrepareOptions> & { inputFile: string }) =>
  prepare({ outputDir: out(), ...options });

describe("prepare, CSV", () => {
  it("reads quoted fields holding commas, doubled quotes and line breaks", async () => {
    const csv = [
      "\uFEFFid,title,body,label",
      '1,"Hello, world","She said ""hi""',
      'and left",greeting',
      "2,Plain,text,Farewell Note",
      "",
    ].join("\r\n");
    const inputFile = await input("data.csv", csv);

    const report = await run({ inputFile, textFields: ["title", "body"] });

    expect(report).toMatchObject({ format: "csv", rowsRead: 2, dropped: [] });
    expect(await allLines()).toEqual([
      "__label__Farewell_Note plain text",
      '__label__greeting hello , world she said " hi " and left',
    ]);
  });

  it("splits a label field into several labels at the separator", async () => {
    const inputFile = await input(
      "tags.csv",
      'text,tags\n"how to boil eggs",eggs| boiling |eggs\n',
    );

    const report = await run({ inputFile, labelField: "tags", labelSeparator: "|" });

    expect(report.multiLabelRows).toBe(1);
    expect(await allLines()).toEqual(["__label__eggs __label__boiling how to boil eggs"]);
  });

  it("reports every dropped row with its row, line and reason", async () => {
    const csv = Buffer.concat([
      Buffer.from("text,label\n"),
      Buffer.from("good row,a\n"),
      Buffer.from("no label here,\n"),
      Buffer.from("   ,a\n"),
      Buffer.from("caf"),
      Buffer.from([0xe9]), // latin-1 é: not UTF-8
      Buffer.from(",a\n"),
      Buffer.from('"quoted"tail,a\n'),
      Buffer.from("one,two,three\n"),
      Buffer.from("another good row,b\n"),
      Buffer.from('"never closed,a\n'),
      Buffer.from("swallowed,b\n"),
    ]);
    const inputFile = await input("bad.csv", csv);

    const report = await run({ inputFile });

    expect(report.rowsRead).toBe(8);
    expect(report.train.rows + report.valid.rows).toBe(2);
    expect(report.dropped).toEqual([
      { row: 2, line: 3, reason: 'missing label (field "label" is empty)' },
      { row: 3, line: 4, reason: 'empty text after tokenising (field "text")' },
      { row: 4, line: 5, reason: "malformed CSV: invalid UTF-8 on line 5" },
      {
        row: 5,
        line: 6,
        reason: "malformed CSV: text after the closing quote of field 1",
      },
      { row: 6, line: 7, reason: "malformed CSV: 3 fields where the header has 2" },
      {
        row: 8,
        line: 9,
        reason:
          "malformed CSV: a quoted field opened on line 9 never closes (lines 9-10)",
      },
    ]);
  });

  it("names the missing field and the fields the file has", async () => {
    const inputFile = await input("reviews.csv", "review,stars\ngreat,5\n");

    const preparing = run({ inputFile, textFields: "review", labelField: "label" });

    await expect(preparing).rejects.toMatchObject({ name: "MissingFieldError" });
    await expect(preparing).rejects.toThrow(
      'has no field "label" (its fields: review, stars). Set textFields and labelField',
    );
  });

  it("refuses an input whose rows are all unusable, saying why", async () => {
    const inputFile = await input(
      "empty-labels.csv",
      "text,label\nsome text,\nmore text,\n",
    );

    const preparing = run({ inputFile });

    await expect(preparing).rejects.toMatchObject({ name: "NoUsableRowsError" });
    await expect(preparing).rejects.toThrow(
      /None of the 2 rows.*row 1 \(line 2\): missing label/,
    );
  });
});

describe("prepare, JSONL", () => {
  it("reads labels given as a JSON list, and several text fields", async () => {
    const jsonl = [
      '{"title": "Pasta", "body": "Salt the water!", "tags": ["cooking", "italian food"]}',
      "",
      '{"title": "Bread", "body": 42, "tags": "baking"}',
    ].join("\n");
    const inputFile = await input("posts.jsonl", jsonl);

    const report = await run({
      inputFile,
      textFields: ["title", "body"],
      labelField: "tags",
    });

    expect(report).toMatchObject({ format: "jsonl", rowsRead: 2, multiLabelRows: 1 });
    expect(await allLines()).toEqual([
      "__label__baking bread 42",
      "__label__cooking __label__italian_food pasta salt the water !",
    ]);
  });

  it("reports malformed JSON, invalid UTF-8 and missing labels as dropped rows", async () => {
    const jsonl = Buffer.concat([
      Buffer.from('{"text": "fine", "label": "a"}\n'),
      Buffer.from('{"text": "broken", "label": \n'),
      Buffer.from('["not", "an", "object"]\n'),
      Buffer.from('{"text": "no label"}\n'),
      Buffer.from('{"text": "bad byte \xff", "label": "a"}\n', "latin1"),
      Buffer.from('{"text": {"nested": true}, "label": "a"}\n'),
    ]);
    const inputFile = await input("rows.jsonl", jsonl);

    const report = await run({ inputFile });

    expect(report.dropped.map(({ line, reason }) => [line, reason])).toEqual([
      [2, expect.stringMatching(/^malformed JSON: /)],
      [3, "malformed JSON: a line must hold an object, not an array"],
      [4, 'missing label (field "label")'],
      [5, "invalid UTF-8"],
      [6, 'unusable text (field "text" holds {"nested":true}; expected text)'],
    ]);
  });

  it("names a field that no row has", async () => {
    const inputFile = await input("rows.jsonl", '{"body": "x", "label": "a"}\n');

    const preparing = run({ inputFile });

    await expect(preparing).rejects.toThrow(
      'has no field "text" (its fields: body, label)',
    );
  });
});

describe("prepare, splitting", () => {
  it("holds out the asked share of every label in valid and test", async () => {
    const inputFile = await input(
      "labels.csv",
      csvRows({ big: 200, mid: 50, small: 10 }),
    );

    const report = await run({ inputFile, validFraction: 0.2, testFraction: 0.1 });

    expect(report.valid.labelCounts).toEqual({ big: 40, mid: 10, small: 2 });
    expect(report.test?.labelCounts).toEqual({ big: 20, mid: 5, small: 1 });
    expect(report.train.labelCounts).toEqual({ big: 140, mid: 35, small: 7 });
    expect(await lines("test")).toHaveLength(26);
  });

  it("writes byte-identical files for the same input and seed", async () => {
    const inputFile = await input("data.csv", csvRows({ a: 40, b: 40, c: 40 }));
    const read = async () =>
      Promise.all(
        ["train", "valid"].map((s) => readFile(join(out(), `${s}.txt`), "utf8")),
      );

    await run({ inputFile, seed: 5 });
    const first = await read();
    await run({ inputFile, seed: 5 });
    const second = await read();
    await run({ inputFile, seed: 6 });
    const third = await read();

    expect(second).toEqual(first);
    expect(third).not.toEqual(first);
  });

  it("writes no test file unless a test fraction is asked for", async () => {
    const inputFile = await input("data.csv", csvRows({ a: 20, b: 20 }));

    const report = await run({ inputFile });

    expect(report.test).toBeUndefined();
    await expect(readFile(join(out(), "test.txt"))).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});

describe("prepare, options", () => {
  it("lists every bad option at once", async () => {
    const preparing = prepare({
      inputFile: "data.txt",
      outputDir: " ",
      validFraction: 0.6,
      testFraction: 0.5,
    });

    await expect(preparing).rejects.toMatchObject({
      name: "InvalidPrepareOptionsError",
      problems: [
        "outputDir: must be a directory path",
        "testFraction: validFraction + testFraction must be < 1, to leave rows for training",
      ],
    });
  });

  it("asks for the format when the extension does not give it away", async () => {
    const inputFile = await input("data.txt", "text,label\nx,a\n");

    await expect(run({ inputFile })).rejects.toThrow(
      /format: cannot tell.*pass "csv" or "jsonl"/,
    );
  });

  it("says so when the input file does not exist", async () => {
    const preparing = run({ inputFile: join(dir, "missing.csv") });

    await expect(preparing).rejects.toMatchObject({ name: "UnreadableInputError" });
    await expect(preparing).rejects.toThrow(/missing\.csv.*Check the path/);
  });
});
