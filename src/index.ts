// Library API for other plugin authors (exports["."]). The plugin module itself is src/server.ts.
export { classifyFailure, formatWait, redact, FAILURE_CODES, DEFAULT_ACTION, DEFAULT_QUOTA_RETRY_AFTER_MS } from "./failure/index.ts"
export type { Failure, FailureAction, FailureCode, ClassifyOptions, UserRule, Evidence, EvidenceKind } from "./failure/index.ts"
export { extractErrorFacts, type ErrorFacts } from "./payload/error.ts"
export { normaliseEvent, type SessionEvent } from "./payload/event.ts"
export {
  normaliseMessages,
  normaliseMessage,
  normalisePart,
  isMeaningfulCompletion,
  isRealUserMessage,
  isCompleted,
  orderMessages,
  type MessageRecord,
  type MessageWithParts,
  type PartRecord,
} from "./payload/message.ts"
export { modelRef, parseModelString, type ModelRef, type ModelChoice } from "./payload/model.ts"
export {
  createPromptGate,
  type PromptGate,
  type PromptGateOptions,
  type InternalPromptRequest,
  type DispatchOutcome,
} from "./gate/index.ts"
export { configSchema, type RuntimeFallbackConfig } from "./config/schema.ts"
export { loadConfig } from "./config/load.ts"
export { systemClock, createManualClock, type Clock } from "./host/clock.ts"
export { waitForSessionResult, evaluateSessionResult, type SessionResult, type WaitForSessionResultOptions } from "./subagent/watcher.ts"
