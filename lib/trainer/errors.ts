import { InvalidInputError, RungsError } from "../errors";

/**
 * Training options or a configuration that fastText cannot be run with,
 * found before anything is spawned. Lists every problem at once.
 */
export class InvalidTrainingOptionsError extends InvalidInputError {
  constructor(problems: readonly string[]) {
    super("The training request", problems);
  }
}

/** `evaluate` could not score a model; the message says why and what to do. */
export class EvaluationFailedError extends RungsError {}
