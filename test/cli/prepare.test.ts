import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runRungs } from "../support/cli";

describe("rungs prepare", () => {
  it("converts a CSV, reports the split and every dropped row with its reason", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rungs-prepare-"));
    const input = join(dir, "articles.csv");
    const rows = Array.from(
      { length: 20 },
      (_, i) => `"Title ${i}","Body, with comma",${i % 2 ? "sport" : "world news"}`,
    );
    await writeFile(input, ["title,body,topic", ...rows, '"No label","x",'].join("\n"));

    const run = await runRungs([
      "prepare",
      "--input",
      input,
      "--out",
      join(dir, "out"),
      "--text",
      "title,body",
      "--label",
      "topic",
      "--valid-fraction",
      "0.2",
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("read 21 rows");
    expect(run.stdout).toContain(`wrote 16 rows to ${join(dir, "out", "train.txt")}`);
    expect(run.stdout).toMatch(/dropped 1 rows:\n {2}row 21 \(line 22\): missing label/);
    const train = await readFile(join(dir, "out", "train.txt"), "utf8");
    expect(train).toMatch(/^__label__(sport|world_news) title \d+ body , with comma$/m);
  });

  it("names the flag, the value and the limit for a bad option", async () => {
    const run = await runRungs([
      "prepare",
      "--input",
      "x.csv",
      "--out",
      "o",
      "--valid-fraction",
      "2",
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--valid-fraction: received 2; must be < 1");
  });
});
