// The decision trace (ORF_TRACE_FILE): what each machine input was, in ids, codes and model names only.
import type { Input } from "../fallback/session.ts"
import { describeModel } from "../payload/model.ts"

export function traceExtra(input: Input): Record<string, unknown> {
  switch (input.type) {
    case "retry-status":
      return { attempt: input.attempt, code: input.failure.code, action: input.failure.action, rule: input.failure.rule }
    case "session-error":
      return { code: input.failure.code, action: input.failure.action, rule: input.failure.rule, source: "session.error" }
    case "assistant":
      return {
        message: input.id,
        parent: input.parentID,
        model: input.model ? describeModel(input.model) : undefined,
        completed: input.completed || undefined,
        meaningful: input.meaningful || undefined,
        ...(input.failure ? { code: input.failure.code, action: input.failure.action, rule: input.failure.rule, source: "message" } : {}),
      }
    case "dispatch-result":
      return { status: input.status, seq: input.seq }
    case "user-message":
      return { message: input.id, model: input.model ? describeModel(input.model) : undefined, routed: input.routed ? describeModel(input.routed.to) : undefined }
    case "internal-message":
      return { message: input.id }
    case "timer":
      return { timer: input.name }
    default:
      return {}
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message
  if (typeof e === "string") return e
  try {
    return JSON.stringify(e).slice(0, 200)
  } catch {
    return "unknown error"
  }
}
