import type { Line } from "../dataset/lines";

/** One CSV record, which may span several lines when a quoted field holds line breaks. */
export interface CsvRecord {
  /** Line where the record starts (1-based). */
  readonly line: number;
  readonly fields: readonly string[];
  /** Why the record cannot be trusted (bad quoting, invalid UTF-8); absent when it can. */
  readonly problem?: string;
}

/** Where the parser is inside a record that is not finished yet. */
interface Cursor {
  readonly line: number;
  readonly fields: string[];
  field: string;
  inQuotes: boolean;
  atFieldStart: boolean;
  problem?: string;
}

/**
 * Reads RFC 4180 CSV records from lines: fields separated by commas, a field
 * in double quotes may hold commas, line breaks and doubled quotes (`""`).
 * Line breaks inside a quoted field come out as `\n`.
 *
 * Departures from the RFC, to lose as few rows as possible: empty lines
 * between records are skipped, and a quote inside an unquoted field is kept
 * as text (`5" screen`). Text after a closing quote (`"a"b`) and a quote that
 * never closes are reported as the record's problem, not thrown.
 */
export async function* csvRecords(lines: AsyncIterable<Line>): AsyncGenerator<CsvRecord> {
  let cursor: Cursor | undefined;
  let lastLine = 0;

  for await (const { number, text, validUtf8 } of lines) {
    lastLine = number;
    if (cursor === undefined) {
      if (text === "") continue;
      cursor = {
        line: number,
        fields: [],
        field: "",
        inQuotes: false,
        atFieldStart: true,
      };
    }
    if (!validUtf8) cursor.problem ??= `invalid UTF-8 on line ${number}`;

    if (scanLine(cursor, text)) {
      yield record(cursor);
      cursor = undefined;
    } else {
      cursor.field += "\n";
    }
  }

  if (cursor !== undefined) {
    // Everything after the opening quote was swallowed into one field: say how much.
    cursor.problem ??= `a quoted field opened on line ${cursor.line} never closes (lines ${cursor.line}-${lastLine})`;
    cursor.fields.push(cursor.field);
    yield record(cursor);
  }
}

/** Consumes one line into the cursor; true when the record ends with this line. */
function scanLine(cursor: Cursor, text: string): boolean {
  let position = 0;
  for (;;) {
    if (cursor.inQuotes) {
      const quote = text.indexOf('"', position);
      if (quote === -1) {
        cursor.field += text.slice(position);
        return false;
      }
      cursor.field += text.slice(position, quote);
      position = quote + 1;
      if (text[position] === '"') {
        cursor.field += '"';
        position += 1;
        continue;
      }
      cursor.inQuotes = false;
      if (position < text.length && text[position] !== ",") {
        cursor.problem ??= `text after the closing quote of field ${cursor.fields.length + 1}`;
      }
      continue;
    }

    if (cursor.atFieldStart && text[position] === '"') {
      cursor.inQuotes = true;
      cursor.atFieldStart = false;
      position += 1;
      continue;
    }

    const comma = text.indexOf(",", position);
    cursor.field += text.slice(position, comma === -1 ? undefined : comma);
    cursor.fields.push(cursor.field);
    cursor.field = "";
    if (comma === -1) return true;
    cursor.atFieldStart = true;
    position = comma + 1;
  }
}

function record(cursor: Cursor): CsvRecord {
  const { line, fields, problem } = cursor;
  return problem === undefined ? { line, fields } : { line, fields, problem };
}
