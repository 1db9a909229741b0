import type { Command } from "commander";
import { InvalidInputError } from "../errors";
import { type PrepareReport, prepare } from "../prepare";

type PrepareFlags = Record<string, string | undefined>;

/** `rungs prepare`: a CSV or JSONL file in, fastText train / valid / test files out. */
export function addPrepareCommand(program: Command): void {
  program
    .command("prepare")
    .description(
      "Convert CSV or JSONL into fastText files, split by label with a fixed seed.",
    )
    .requiredOption("--input <file>", "CSV (with a header row) or JSONL file")
    .requiredOption("--out <dir>", "directory for train.txt, valid.txt and test.txt")
    .option("--text <fields>", "field(s) holding the text, comma-separated", "text")
    .option("--label <field>", "field holding the label(s)", "label")
    .option(
      "--label-separator <sep>",
      'splits the label field into several labels, e.g. "|"',
    )
    .option("--format <format>", "csv or jsonl (default: from the file extension)")
    .option("--valid-fraction <x>", "share of each label's rows for valid.txt", "0.1")
    .option("--test-fraction <x>", "share of each label's rows for test.txt", "0")
    .option("--seed <n>", "seed of the split", "1")
    .action(async (flags: PrepareFlags) => {
      const report = await prepare({
        inputFile: flags.input!,
        outputDir: flags.out!,
        textFields: flags.text!.split(",").map((field) => field.trim()),
        labelField: flags.label!,
        validFraction: numeric(flags.validFraction),
        testFraction: numeric(flags.testFraction),
        seed: numeric(flags.seed),
        ...(flags.labelSeparator === undefined
          ? {}
          : { labelSeparator: flags.labelSeparator }),
        ...(flags.format === undefined
          ? {}
          : { format: flags.format as "csv" | "jsonl" }),
      }).catch((error: unknown) => {
        // Options are checked by the library under their own names; say which flags they are.
        if (error instanceof InvalidInputError) throw renamed(error);
        throw error;
      });
      process.stdout.write(describe(report));
    });
}

const FLAGS: Readonly<Record<string, string>> = {
  inputFile: "--input",
  outputDir: "--out",
  textFields: "--text",
  labelField: "--label",
  labelSeparator: "--label-separator",
  validFraction: "--valid-fraction",
  testFraction: "--test-fraction",
  seed: "--seed",
  format: "--format",
};

function renamed(error: InvalidInputError): InvalidInputError {
  const problems = error.problems.map((problem) =>
    problem.replace(/^(\w+)/, (name) => FLAGS[name] ?? name),
  );
  return new InvalidInputError("rungs prepare", problems);
}

function numeric(text: string | undefined): number {
  return text === undefined || text.trim() === "" ? Number.NaN : Number(text);
}

function describe(report: PrepareReport): string {
  const splits = [report.train, report.valid, ...(report.test ? [report.test] : [])];
  const labels = Object.entries(report.train.labelCounts)
    .map(([label, count]) => `${label} ${count}`)
    .join(", ");
  const dropped = report.dropped.map(
    (r) => `  row ${r.row} (line ${r.line}): ${r.reason}`,
  );
  return [
    `read ${report.rowsRead} rows from ${report.inputFile} (${report.format})`,
    ...splits.map((split) => `wrote ${split.rows} rows to ${split.file}`),
    `train labels: ${labels}`,
    report.dropped.length === 0
      ? "dropped no rows"
      : `dropped ${report.dropped.length} rows:\n${dropped.join("\n")}`,
    "",
  ].join("\n");
}
