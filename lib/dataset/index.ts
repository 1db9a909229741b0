/** Checks on fastText-format files, run before anything is trained on them. */
export {
  type DatasetSummary,
  inspectDataset,
  LABEL_PREFIX,
  type LineSample,
} from "./inspect";
export {
  type DatasetCheck,
  type DatasetProblem,
  findProblems,
  validateDataset,
} from "./validate";
