import { stat } from "node:fs/promises";
import {
  type DatasetSummary,
  inspectDataset,
  LABEL_PREFIX,
  type LineSample,
} from "./inspect";

/** Something wrong with a dataset file, said so that a user can fix it. */
export interface DatasetProblem {
  /** An error stops a run before training; a warning is worth reading but fastText copes. */
  readonly severity: "error" | "warning";
  readonly file: string;
  /** What is wrong, with line numbers and text where they help. */
  readonly problem: string;
  /** What to do about it. */
  readonly fix: string;
  /** File, problem and fix in one line, ready to print. */
  readonly message: string;
}

/** A file's summary (when it could be read) and every problem found in it. */
export interface DatasetCheck {
  readonly summary?: DatasetSummary;
  readonly problems: readonly DatasetProblem[];
}

const PREPARE_HINT = "run `rungs prepare` to convert a CSV or JSONL file";

/**
 * Checks that a file can be trained or scored on: it exists, is not empty,
 * and holds labelled lines with text. What the CLI runs on every dataset
 * before training anything. Never throws for a bad file: an unreadable file
 * is a problem like any other.
 */
export async function validateDataset(path: string): Promise<DatasetCheck> {
  const unreadable = await accessProblem(path);
  if (unreadable !== undefined) return { problems: [unreadable] };

  try {
    const summary = await inspectDataset(path);
    return { summary, problems: findProblems(summary) };
  } catch (error) {
    return { problems: [readProblem(path, error)] };
  }
}

/** The problems a summary shows, errors first. Empty for a sound file. */
export function findProblems(summary: DatasetSummary): DatasetProblem[] {
  const { path, labelledLines, unlabelledLines, emptyTextLines } = summary;
  const problems: DatasetProblem[] = [];
  const nonBlank = labelledLines + unlabelledLines;

  if (nonBlank === 0) {
    problems.push(
      error(path, "the file is empty", `Put training examples in it, or ${PREPARE_HINT}`),
    );
  } else if (labelledLines === 0) {
    problems.push(
      error(
        path,
        `no line starts with ${LABEL_PREFIX}, so fastText finds no examples (${shown(summary.unlabelledSamples)})`,
        `Write each example as \`${LABEL_PREFIX}<label> <text>\`, or ${PREPARE_HINT}`,
      ),
    );
  } else if (emptyTextLines === labelledLines) {
    problems.push(
      error(
        path,
        `every labelled line is empty after its labels (${shown(summary.emptyTextSamples)})`,
        "Check that the text column was converted; `rungs prepare` writes the text after the labels",
      ),
    );
  }

  if (labelledLines > 0 && unlabelledLines > 0) {
    problems.push(
      warning(
        path,
        `${unlabelledLines} of ${nonBlank} lines ${unlabelledLines === 1 ? "does" : "do"} not start with ${LABEL_PREFIX}; fastText ignores them (${shown(summary.unlabelledSamples)})`,
        `Remove or label them, or ${PREPARE_HINT}`,
      ),
    );
  }
  if (emptyTextLines > 0 && emptyTextLines < labelledLines) {
    problems.push(
      warning(
        path,
        `${emptyTextLines} labelled ${emptyTextLines === 1 ? "line has" : "lines have"} no text; fastText ignores them (${shown(summary.emptyTextSamples)})`,
        "Remove them, or check the text column they were converted from",
      ),
    );
  }
  const labels = Object.keys(summary.labelCounts);
  if (labels.length === 1) {
    problems.push(
      warning(
        path,
        `every labelled line has the same label "${labels[0]}", so any classifier scores 1.0`,
        "Check that the label column is the right one; a classifier needs at least two labels",
      ),
    );
  }

  return problems;
}

async function accessProblem(path: string): Promise<DatasetProblem | undefined> {
  try {
    const stats = await stat(path);
    if (stats.isFile()) return undefined;
    return error(path, "not a file", "Pass the path of a fastText-format text file");
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code === "ENOENT"
      ? error(
          path,
          "file not found",
          `Check the path; to make train and validation files, ${PREPARE_HINT}`,
        )
      : readProblem(path, cause);
  }
}

function readProblem(path: string, cause: unknown): DatasetProblem {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return error(path, `cannot be read (${reason})`, "Check the file's permissions");
}

/** Lines shown in a message; the summary keeps a few more. */
const SHOWN_LINES = 3;

/** Where to look, e.g. `e.g. line 3: "foo bar", line 9: "baz"`. */
function shown(samples: readonly LineSample[]): string {
  const lines = samples.slice(0, SHOWN_LINES);
  return `e.g. ${lines.map((s) => `line ${s.line}: ${JSON.stringify(s.text)}`).join(", ")}`;
}

const error = (file: string, problem: string, fix: string) =>
  describe("error", file, problem, fix);
const warning = (file: string, problem: string, fix: string) =>
  describe("warning", file, problem, fix);

function describe(
  severity: DatasetProblem["severity"],
  file: string,
  problem: string,
  fix: string,
): DatasetProblem {
  return { severity, file, problem, fix, message: `${file}: ${problem}. ${fix}.` };
}
