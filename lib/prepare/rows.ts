import { readLines } from "../dataset/lines";
import { csvRecords } from "./csv";
import { MissingFieldError } from "./errors";
import type { InputFormat } from "./options";

/** Where a row sits in the input. */
export interface RowPosition {
  /** 1-based data row: the CSV header and blank lines are not rows. */
  readonly row: number;
  /** Line of the input where the row starts. */
  readonly line: number;
}

/** A data row read from the input, or why it could not be read. */
export type SourceRow = RowPosition &
  (
    | { readonly fields: Readonly<Record<string, unknown>> }
    | { readonly malformed: string }
  );

/**
 * Streams the rows of a CSV or JSONL file as field maps.
 *
 * @param wanted fields the conversion reads. A CSV header lacking one is an
 *   error before any row is read; in JSONL, where rows may omit a field, it
 *   is an error only once no row at all has had it.
 * @throws MissingFieldError as just described.
 */
export function sourceRows(
  input: string,
  format: InputFormat,
  wanted: readonly string[],
): AsyncGenerator<SourceRow> {
  return format === "csv" ? csvRows(input, wanted) : jsonlRows(input, wanted);
}

async function* csvRows(
  input: string,
  wanted: readonly string[],
): AsyncGenerator<SourceRow> {
  let header: string[] | undefined;
  let row = 0;

  for await (const record of csvRecords(readLines(input))) {
    if (header === undefined) {
      // A byte order mark would otherwise glue itself to the first column's name.
      const names = record.fields.map((name, i) =>
        (i === 0 ? name.replace(/^\uFEFF/, "") : name).trim(),
      );
      const missing = wanted.filter((name) => !names.includes(name));
      if (missing.length > 0) throw new MissingFieldError(input, missing, names);
      header = names;
      continue;
    }

    row += 1;
    const position = { row, line: record.line };
    if (record.problem !== undefined) {
      yield { ...position, malformed: `malformed CSV: ${record.problem}` };
    } else if (record.fields.length !== header.length) {
      yield {
        ...position,
        malformed: `malformed CSV: ${record.fields.length} fields where the header has ${header.length}`,
      };
    } else {
      yield { ...position, fields: fieldsByName(header, record.fields) };
    }
  }
}

function fieldsByName(header: readonly string[], values: readonly string[]) {
  // Object.fromEntries keeps a column named "__proto__" as an ordinary field.
  return Object.fromEntries(header.map((name, i) => [name, values[i]]));
}

async function* jsonlRows(
  input: string,
  wanted: readonly string[],
): AsyncGenerator<SourceRow> {
  const unseen = new Set(wanted);
  let firstKeys: string[] | undefined;
  let row = 0;

  for await (const { number, text, validUtf8 } of readLines(input)) {
    if (text.trim() === "") continue;
    row += 1;
    const position = { row, line: number };
    if (!validUtf8) {
      yield { ...position, malformed: "invalid UTF-8" };
      continue;
    }

    const parsed = parseObject(text);
    if ("malformed" in parsed) {
      yield { ...position, malformed: parsed.malformed };
      continue;
    }
    const { fields } = parsed;
    firstKeys ??= Object.keys(fields);
    for (const name of unseen) if (Object.hasOwn(fields, name)) unseen.delete(name);
    yield { ...position, fields };
  }

  // With no object read at all, the rows' own reasons say more than a missing field would.
  if (firstKeys !== undefined && unseen.size > 0) {
    throw new MissingFieldError(input, [...unseen], firstKeys);
  }
}

/** The object on a JSONL line, or why there is none. */
function parseObject(
  text: string,
): { fields: Record<string, unknown> } | { malformed: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { malformed: `malformed JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const found = Array.isArray(value) ? "an array" : JSON.stringify(value);
    return { malformed: `malformed JSON: a line must hold an object, not ${found}` };
  }
  return { fields: value as Record<string, unknown> };
}
