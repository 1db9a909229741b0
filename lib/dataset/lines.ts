import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";

/** One line of a text file. */
export interface Line {
  /** 1-based line number. */
  readonly number: number;
  /** The line without its `\n` or `\r\n`, decoded as UTF-8 (bad bytes become U+FFFD). */
  readonly text: string;
  /** False when the line's bytes are not valid UTF-8. */
  readonly validUtf8: boolean;
}

/**
 * Streams a file line by line, holding one read block and one line in memory
 * whatever the file's size. Lines are split on the byte `\n`, which never
 * occurs inside a multi-byte UTF-8 character, so each line can be checked for
 * valid UTF-8 on its own. A lone `\r` does not end a line: fastText reads it as
 * a space, and so does rungs.
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let number = 0;

  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      number += 1;
      yield decode(joined(pending, chunk.subarray(start, end)), number);
      pending = [];
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }

  if (pending.length > 0) yield decode(Buffer.concat(pending), number + 1);
}

/** A line that began in earlier blocks is glued together only when it has to be. */
function joined(pending: readonly Buffer[], last: Buffer): Buffer {
  return pending.length === 0 ? last : Buffer.concat([...pending, last]);
}

function decode(bytes: Buffer, number: number): Line {
  const line = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
  return { number, text: line.toString("utf8"), validUtf8: isUtf8(line) };
}
