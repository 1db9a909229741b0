import { readLines } from "./lines";

/** fastText's label prefix (its `-label` option, which rungs leaves at the default). */
export const LABEL_PREFIX = "__label__";

/** A line worth showing to a user, its text cut short. */
export interface LineSample {
  /** 1-based line number. */
  readonly line: number;
  /** The line's first characters, at most `SAMPLE_CHARACTERS` of them plus an ellipsis. */
  readonly text: string;
}

/** What a fastText-format file holds, line by line. */
export interface DatasetSummary {
  readonly path: string;
  /** Lines in the file, counting a last line that has no line break. */
  readonly lines: number;
  /** Lines holding nothing but whitespace; fastText skips them. */
  readonly blankLines: number;
  /** Lines whose first token is a label, whether or not text follows. */
  readonly labelledLines: number;
  /** Non-blank lines whose first token is not a label; fastText skips them. */
  readonly unlabelledLines: number;
  /** Labelled lines with no text after the labels; fastText skips them. */
  readonly emptyTextLines: number;
  /** Labelled lines with more than one label. */
  readonly multiLabelLines: number;
  /** Whether any line has more than one label. */
  readonly multiLabel: boolean;
  /** Lines per label, the label without its prefix, most frequent first. */
  readonly labelCounts: Readonly<Record<string, number>>;
  /** The first few unlabelled lines. */
  readonly unlabelledSamples: readonly LineSample[];
  /** The first few labelled lines with empty text. */
  readonly emptyTextSamples: readonly LineSample[];
}

/** Bad lines kept as examples for each kind of problem. */
const SAMPLE_LINES = 5;
const SAMPLE_CHARACTERS = 80;

/** fastText splits words on these bytes only; other Unicode spaces are part of a word. */
const TOKEN = /[^ \t\n\v\f\r\0]+/g;

/**
 * Reads a fastText-format file once, streaming, and counts what a trainer
 * needs to know: labelled and unlabelled lines, labels, multi-label lines.
 * A line is labelled when its first token starts with `__label__`, as
 * `rungs prepare` writes them; labels are the run of such tokens at its start.
 *
 * @throws the file system's error when the file cannot be read (see
 *   `validateDataset` for a version that reports it as a problem).
 */
export async function inspectDataset(path: string): Promise<DatasetSummary> {
  const counts = {
    lines: 0,
    blankLines: 0,
    labelledLines: 0,
    unlabelledLines: 0,
    emptyTextLines: 0,
    multiLabelLines: 0,
  };
  const labelCounts = new Map<string, number>();
  const unlabelledSamples: LineSample[] = [];
  const emptyTextSamples: LineSample[] = [];

  for await (const { number, text } of readLines(path)) {
    counts.lines = number;
    const { labels, hasText, blank } = readLabels(text);

    if (blank) {
      counts.blankLines += 1;
    } else if (labels.length === 0) {
      counts.unlabelledLines += 1;
      addSample(unlabelledSamples, number, text);
    } else {
      counts.labelledLines += 1;
      if (labels.length > 1) counts.multiLabelLines += 1;
      for (const label of labels)
        labelCounts.set(label, (labelCounts.get(label) ?? 0) + 1);
      if (!hasText) {
        counts.emptyTextLines += 1;
        addSample(emptyTextSamples, number, text);
      }
    }
  }

  return {
    path,
    ...counts,
    multiLabel: counts.multiLabelLines > 0,
    labelCounts: Object.fromEntries([...labelCounts].sort(([, a], [, b]) => b - a)),
    unlabelledSamples,
    emptyTextSamples,
  };
}

/**
 * The labels at the start of a line and whether a word follows them. Stops at
 * the first word, so a long document costs no more than a short one.
 */
function readLabels(line: string): {
  labels: string[];
  hasText: boolean;
  blank: boolean;
} {
  const labels: string[] = [];
  for (const [token] of line.matchAll(TOKEN)) {
    if (!token.startsWith(LABEL_PREFIX)) return { labels, hasText: true, blank: false };
    labels.push(token.slice(LABEL_PREFIX.length));
  }
  return { labels, hasText: false, blank: labels.length === 0 };
}

function addSample(samples: LineSample[], line: number, text: string): void {
  if (samples.length >= SAMPLE_LINES) return;
  const short =
    text.length > SAMPLE_CHARACTERS ? `${text.slice(0, SAMPLE_CHARACTERS)}…` : text;
  samples.push({ line, text: short });
}
