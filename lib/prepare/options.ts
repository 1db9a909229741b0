import { extname } from "node:path";
import { z } from "zod";
import { describeIssues, seedSchema } from "../validation";
import { InvalidPrepareOptionsError } from "./errors";

/** Input formats `prepare` reads. */
export type InputFormat = "csv" | "jsonl";

/** A string with something in it; `describe` says what it should hold. */
const filled = (describe: string) =>
  z.string().refine((value) => value.trim() !== "", { message: `must be ${describe}` });

const fieldName = filled("a field name");

/** What `prepare` converts, and how. Units: fractions of the rows of each label. */
export const prepareOptionsSchema = z
  .object({
    /** CSV (with a header row) or JSONL file to convert. */
    inputFile: filled("the path of a CSV or JSONL file"),
    /** Input format. @default from the extension: .csv, or .jsonl / .ndjson */
    format: z.enum(["csv", "jsonl"]).optional(),
    /** Field(s) holding the text; several are joined with a space. @default "text" */
    textFields: z.union([fieldName, z.array(fieldName).min(1)]).default("text"),
    /** Field holding the label(s). In JSONL it may hold a list of labels. @default "label" */
    labelField: fieldName.default("label"),
    /** Splits the label field into several labels, e.g. "|" or ",". @default one label per row */
    labelSeparator: z
      .string()
      .refine((value) => value !== "", {
        message: 'must be one or more characters, e.g. "|"',
      })
      .optional(),
    /** Directory that receives train.txt, valid.txt and test.txt; created if missing. */
    outputDir: filled("a directory path"),
    /** Share of each label's rows written to valid.txt. @default 0.1 */
    validFraction: z.number().gt(0).lt(1).default(0.1),
    /** Share of each label's rows written to test.txt; 0 writes no test file. @default 0 */
    testFraction: z.number().min(0).lt(1).default(0),
    /** Seed of the split and of the training file's order. @default 1 */
    seed: seedSchema.default(1),
  })
  .strict()
  .refine((options) => options.validFraction + options.testFraction < 1, {
    path: ["testFraction"],
    message: "validFraction + testFraction must be < 1, to leave rows for training",
  });

/** Options as a caller writes them, defaults left out. */
export type PrepareOptions = z.input<typeof prepareOptionsSchema>;

/** Options with every default filled in and the format settled. */
export interface PrepareSettings
  extends Omit<z.output<typeof prepareOptionsSchema>, "format" | "textFields"> {
  readonly format: InputFormat;
  readonly textFields: readonly string[];
}

/**
 * Checks the options and fills in defaults.
 *
 * @throws InvalidPrepareOptionsError listing every problem, including a
 *   format that the input's extension does not give away.
 */
export function prepareSettings(options: PrepareOptions): PrepareSettings {
  const parsed = prepareOptionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success)
    throw new InvalidPrepareOptionsError(describeIssues(parsed.error.issues));

  const { format, textFields, ...rest } = parsed.data;
  const settled = format ?? formatFromExtension(rest.inputFile);
  if (settled === undefined) {
    throw new InvalidPrepareOptionsError([
      `format: cannot tell it from the extension of ${JSON.stringify(rest.inputFile)}; pass "csv" or "jsonl"`,
    ]);
  }
  return {
    ...rest,
    format: settled,
    textFields: typeof textFields === "string" ? [textFields] : textFields,
  };
}

function formatFromExtension(path: string): InputFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  return undefined;
}
