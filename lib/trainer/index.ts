/**
 * The fastText trainer, shared by the local worker pool and the train Lambda:
 * one trial in, one result out.
 */
export { EvaluationFailedError, InvalidTrainingOptionsError } from "./errors";
export { type EvaluationOptions, evaluate } from "./evaluate";
export type { Scores } from "./scores";
export {
  type FailedTraining,
  type Metric,
  type TrainedModel,
  type TrainingOptions,
  type TrainingResult,
  trainFastText,
} from "./train";
