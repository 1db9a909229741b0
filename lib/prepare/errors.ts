import { InvalidInputError, RungsError } from "../errors";

/** Options of `prepare` out of range or missing; lists every problem. */
export class InvalidPrepareOptionsError extends InvalidInputError {
  constructor(problems: readonly string[]) {
    super("The prepare configuration", problems);
  }
}

/** The input file cannot be opened or read. */
export class UnreadableInputError extends RungsError {}

/** The input has no field of a name the options ask for, in any row. */
export class MissingFieldError extends RungsError {
  constructor(
    readonly input: string,
    readonly missing: readonly string[],
    readonly available: readonly string[],
  ) {
    const field = missing.length === 1 ? "field" : "fields";
    const names = missing.map((name) => `"${name}"`).join(", ");
    const fields = available.length === 0 ? "none" : available.join(", ");
    super(
      `${input} has no ${field} ${names} (its fields: ${fields}). Set textFields and labelField to the names of its text and label fields.`,
    );
  }
}

/** Every row of the input was dropped, or it holds none. */
export class NoUsableRowsError extends RungsError {}
