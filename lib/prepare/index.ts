/** `rungs prepare`: CSV or JSONL in, fastText train / valid / test files out. */
export {
  InvalidPrepareOptionsError,
  MissingFieldError,
  NoUsableRowsError,
  UnreadableInputError,
} from "./errors";
export { type InputFormat, type PrepareOptions, prepareOptionsSchema } from "./options";
export {
  type DroppedRow,
  type PrepareReport,
  prepare,
  type SplitReport,
} from "./prepare";
export type { Split } from "./split";
export { tokenize } from "./tokenize";
