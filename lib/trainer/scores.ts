/** What `fasttext test FILE 1` reports. */
export interface Scores {
  /** N: labelled examples in the evaluated file. */
  readonly examples: number;
  /** P@1: share of examples whose top predicted label is one of their true labels. */
  readonly precision: number;
  /** R@1: share of all true labels that are recovered as some example's top prediction. */
  readonly recall: number;
}

/**
 * Reads the `N`, `P@1` and `R@1` lines of `fasttext test` output, wherever
 * they are and whatever surrounds them. Undefined when any is missing or is
 * not a number (fastText prints `nan` for a file with no labelled lines).
 */
export function parseTestOutput(output: string): Scores | undefined {
  const values = new Map<string, number>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^\s*(N|P@1|R@1)\s+(\S+)\s*$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      values.set(match[1], Number(match[2]));
    }
  }

  const examples = values.get("N");
  const precision = values.get("P@1");
  const recall = values.get("R@1");
  if (examples === undefined || precision === undefined || recall === undefined)
    return undefined;
  if (![examples, precision, recall].every(Number.isFinite)) return undefined;
  return { examples, precision, recall };
}
