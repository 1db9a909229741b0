import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { LABEL_PREFIX } from "../dataset/inspect";
import { NoUsableRowsError, UnreadableInputError } from "./errors";
import { toExample } from "./examples";
import {
  type InputFormat,
  type PrepareOptions,
  type PrepareSettings,
  prepareSettings,
} from "./options";
import { type RowPosition, sourceRows } from "./rows";
import { type Assignment, type Split, stratifiedSplit } from "./split";

/** A row that was not written, and why. */
export interface DroppedRow extends RowPosition {
  readonly reason: string;
}

/** One written file. */
export interface SplitReport {
  readonly file: string;
  readonly rows: number;
  /** Rows per label; a multi-label row counts once for each of its labels. */
  readonly labelCounts: Readonly<Record<string, number>>;
}

/** What `prepare` read, wrote and dropped. rowsRead = rows written + dropped. */
export interface PrepareReport {
  readonly inputFile: string;
  readonly format: InputFormat;
  /** Data rows in the input (the CSV header and blank lines are not rows). */
  readonly rowsRead: number;
  /** Rows with more than one label among those written. */
  readonly multiLabelRows: number;
  readonly train: SplitReport;
  readonly valid: SplitReport;
  /** Only when a test fraction was asked for. */
  readonly test?: SplitReport;
  /** Every row not written, in input order. */
  readonly dropped: readonly DroppedRow[];
}

/** The converted input, held until it is split. */
interface Converted {
  readonly lines: string[];
  /** Row indices (into `lines`) by first label. */
  readonly strata: Map<string, number[]>;
  readonly dropped: DroppedRow[];
  readonly rowsRead: number;
  readonly multiLabelRows: number;
}

/**
 * `rungs prepare`: converts a CSV (with a header row) or JSONL file into
 * fastText's format and splits it, stratified by label, into train.txt,
 * valid.txt and, when asked, test.txt in the output directory.
 *
 * Text is tokenised as `tokenize` describes; labels are written as
 * `__label__<label>` with inner whitespace turned into `_`. The input is
 * streamed; only the converted lines are held in memory, once, to be split.
 * Files are written under temporary names and renamed at the end, so a
 * failure never leaves a half-written split. The same input, options and
 * seed give byte-identical files.
 *
 * @throws InvalidPrepareOptionsError, UnreadableInputError, MissingFieldError,
 *   or NoUsableRowsError when no row could be converted.
 */
export async function prepare(options: PrepareOptions): Promise<PrepareReport> {
  const settings = prepareSettings(options);
  await checkReadable(settings.inputFile);

  const converted = await convert(settings);
  if (converted.lines.length === 0) throw noUsableRows(settings.inputFile, converted);

  const assignment = stratifiedSplit(converted.strata, settings, settings.seed);
  const splits = await writeSplits(settings, converted.lines, assignment);
  return {
    inputFile: settings.inputFile,
    format: settings.format,
    rowsRead: converted.rowsRead,
    multiLabelRows: converted.multiLabelRows,
    ...splits,
    dropped: converted.dropped,
  };
}

async function checkReadable(input: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(input)).isFile();
  } catch (cause) {
    const reason = (cause as Error).message;
    throw new UnreadableInputError(`Cannot read ${input} (${reason}). Check the path.`, {
      cause,
    });
  }
  if (!isFile) {
    throw new UnreadableInputError(
      `${input} is not a file. Pass the path of a CSV or JSONL file.`,
    );
  }
}

async function convert(settings: PrepareSettings): Promise<Converted> {
  const lines: string[] = [];
  const strata = new Map<string, number[]>();
  const dropped: DroppedRow[] = [];
  let rowsRead = 0;
  let multiLabelRows = 0;

  const wanted = [...settings.textFields, settings.labelField];
  for await (const source of sourceRows(settings.inputFile, settings.format, wanted)) {
    rowsRead += 1;
    const { row, line } = source;
    if ("malformed" in source) {
      dropped.push({ row, line, reason: source.malformed });
      continue;
    }

    const example = toExample(source.fields, settings);
    if (!example.ok) {
      dropped.push({ row, line, reason: example.reason });
      continue;
    }

    const [first] = example.labels;
    const stratum = strata.get(first) ?? [];
    stratum.push(lines.length);
    strata.set(first, stratum);
    lines.push(example.line);
    if (example.labels.length > 1) multiLabelRows += 1;
  }

  return { lines, strata, dropped, rowsRead, multiLabelRows };
}

function noUsableRows(input: string, converted: Converted): NoUsableRowsError {
  if (converted.rowsRead === 0) {
    return new NoUsableRowsError(
      `${input} holds no data rows. Put one example per row below the header (CSV) or one JSON object per line (JSONL).`,
    );
  }
  const examples = converted.dropped
    .slice(0, 3)
    .map((d) => `row ${d.row} (line ${d.line}): ${d.reason}`)
    .join("; ");
  return new NoUsableRowsError(
    `None of the ${converted.rowsRead} rows of ${input} could be used, e.g. ${examples}. Check that textFields and labelField name the right fields and that the format is right.`,
  );
}

async function writeSplits(
  settings: PrepareSettings,
  lines: readonly string[],
  assignment: Assignment,
): Promise<Pick<PrepareReport, Split>> {
  const splits: Split[] =
    settings.testFraction > 0 ? ["train", "valid", "test"] : ["train", "valid"];
  const file = (split: Split) => join(settings.outputDir, `${split}.txt`);
  const partial = (split: Split) => `${file(split)}.partial`;

  await mkdir(settings.outputDir, { recursive: true });
  try {
    const reports: Partial<Record<Split, SplitReport>> = {};
    for (const split of splits) {
      const rows = assignment[split].map((index) => lines[index] as string);
      await writeLines(partial(split), rows);
      reports[split] = {
        file: file(split),
        rows: rows.length,
        labelCounts: labelCounts(rows),
      };
    }
    for (const split of splits) await rename(partial(split), file(split));
    return reports as Pick<PrepareReport, Split>;
  } finally {
    await Promise.all(splits.map((split) => rm(partial(split), { force: true })));
  }
}

/** Writes lines in blocks of about a megabyte, waiting whenever the disk falls behind. */
async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  const out = createWriteStream(path, { encoding: "utf8" });
  let block = "";
  for (const line of lines) {
    block += `${line}\n`;
    if (block.length < 1024 * 1024) continue;
    if (!out.write(block)) await once(out, "drain");
    block = "";
  }
  out.end(block);
  await finished(out);
}

/** Rows per label, most frequent first, read back from the labels that start each line. */
function labelCounts(lines: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    for (let start = 0; line.startsWith(LABEL_PREFIX, start); ) {
      // Every written line has text after its labels, so a space ends each label.
      const end = line.indexOf(" ", start);
      if (end === -1) break;
      const label = line.slice(start + LABEL_PREFIX.length, end);
      counts.set(label, (counts.get(label) ?? 0) + 1);
      start = end + 1;
    }
  }
  const byCount = ([a, m]: [string, number], [b, n]: [string, number]) =>
    n - m || (a < b ? -1 : 1);
  return Object.fromEntries([...counts].sort(byCount));
}
