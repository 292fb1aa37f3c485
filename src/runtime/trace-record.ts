// The decision trace (ORF_TRACE_FILE): what each machine input was, in ids, codes and model names only.
import type { Input } from "../fallback/session.ts"
import { describeModel } from "../payload/model.ts"

export function traceExtra(input: Input): Record<string, unknown> {
  switch (input.type) {
    case "retry-status":
      return { attempt: input.attempt, code: input.failure.code, action: input.failure.action, rule: input.failure.rule }
    case "failure":
      return { code: input.failure.code, action: input.failure.action, rule: input.failure.rule, source: input.source, model: input.model ? describeModel(input.model) : undefined }
    case "completed":
      return { meaningful: input.meaningful, model: input.model ? describeModel(input.model) : undefined }
    case "dispatch-result":
      return { status: input.status }
    case "user-turn":
      return { model: input.model ? describeModel(input.model) : undefined, routed: input.current ? describeModel(input.current) : undefined }
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
