// Errors the gate itself produces (host errors are passed through unchanged in `failed.error`).

export type PromptGateErrorCode =
  | "invalid-request"
  | "timeout"
  | "disposed"
  | "session-deleted"
  | "queue-full"
  | "host-unavailable"
  | "host-error"

export class PromptGateError extends Error {
  readonly code: PromptGateErrorCode

  constructor(code: PromptGateErrorCode, message: string) {
    super(message)
    this.name = "PromptGateError"
    this.code = code
  }
}
