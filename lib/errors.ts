/**
 * Every error rungs raises on purpose. Each carries a `name` so callers (the
 * CLI, the Lambdas, Step Functions Catch rules) can tell them apart, and a
 * message that says what was wrong and how to fix it.
 */

export class RungsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Input that cannot be used: a flag, a search space, an execution input.
 * `problems` lists every problem found, not just the first, so a user fixes
 * them all in one go.
 */
export class InvalidInputError extends RungsError {
  readonly problems: readonly string[];

  constructor(subject: string, problems: readonly string[]) {
    super(`${subject} is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** A search space definition that rungs cannot sample from. */
export class InvalidSearchSpaceError extends InvalidInputError {
  constructor(problems: readonly string[]) {
    super("The search space", problems);
  }
}

/** Search settings (budget, rungs, evolution schedule) out of range. */
export class InvalidSettingsError extends InvalidInputError {
  constructor(problems: readonly string[]) {
    super("The search settings", problems);
  }
}

/** A store holds a run whose settings differ from the ones asked for. */
export class RunMismatchError extends RungsError {}

/** The store holds no run yet: create one before proposing jobs. */
export class RunNotFoundError extends RungsError {}
