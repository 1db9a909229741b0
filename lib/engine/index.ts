/** The search engine: no AWS, no fastText process, no CLI. Every door runs this. */
export { budgetProgress, isSpent, remainingEpochs } from "./budget";
export {
  DEFAULT_FASTTEXT_SPACE,
  FASTTEXT_OPTIONS,
  fastTextSpace,
  parseFastTextSpace,
} from "./fasttext-space";
export { RungLadder } from "./ladder";
export { isBetter, MemoryStore } from "./memory-store";
export { type ProposeRequest, Proposer, trialName } from "./proposer";
export { parseSettings, type SearchSettings, type SettingsInput } from "./settings";
export type { Parameter, SpaceDefinition } from "./space";
export type { Proposal, RunRecord, SearchStore } from "./store";
export * from "./trial";
