// Public surface of the prompt gate, the one owner of internal prompts (see prompt-gate.ts).
export { createPromptGate } from "./prompt-gate.ts"
export { PromptGateError, type PromptGateErrorCode } from "./errors.ts"
export { isValidSource, assertSourcePrefix } from "./source.ts"
export { computeDedupeKey, type DedupeInput } from "./dedupe-key.ts"
export { markSynthetic } from "./prompt-body.ts"
export type {
  DispatchOutcome,
  DispatchStatus,
  GateLog,
  GateLogLevel,
  GateStats,
  InternalPromptRequest,
  OwnerSelector,
  PromptGate,
  PromptGateOptions,
  SessionSnapshot,
} from "./types.ts"
