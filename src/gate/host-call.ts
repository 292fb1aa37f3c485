// The only place in the plugin that calls `session.prompt` / `session.promptAsync` (the audit in
// test/unit/audit-prompt-calls.test.ts enforces that nothing outside src/gate/ does). Nothing here throws.
import { sdkFailed, type PromptClient, type SdkResult } from "../host/client.ts"
import { PromptGateError } from "./errors.ts"
import type { NormalizedRequest } from "./normalize-request.ts"
import type { DispatchOutcome } from "./types.ts"

export type HostCallStart =
  /** The call was made; `pending` settles with its outcome (never rejects). */
  | { kind: "started"; pending: Promise<DispatchOutcome> }
  /** Known at once: the call threw synchronously (attempted, nothing sent) or the client lacks the method (not attempted). */
  | { kind: "immediate"; outcome: DispatchOutcome }

/** Maps an SDK-style result: `{ error }` / a 4xx-5xx status is a definite refusal (not ambiguous). */
export function outcomeOfResult(result: SdkResult): DispatchOutcome {
  let failed: boolean
  try {
    failed = sdkFailed(result)
  } catch (error) {
    return { status: "failed", error, dispatchAttempted: true, ambiguous: true }
  }
  if (!failed) return { status: "dispatched" }
  const r = result as { error?: unknown; response?: { status?: number } }
  const error = r.error ?? new PromptGateError("host-error", `host answered HTTP ${String(r.response?.status)}`)
  return { status: "failed", error, dispatchAttempted: true, ambiguous: false }
}

export function startHostCall(client: PromptClient, request: NormalizedRequest): HostCallStart {
  let raw: unknown
  try {
    const session = client.session
    const method = request.mode === "sync" ? session.prompt : session.promptAsync
    if (typeof method !== "function") {
      const error = new PromptGateError("host-unavailable", `client.session has no ${request.mode === "sync" ? "prompt" : "promptAsync"} method`)
      return { kind: "immediate", outcome: { status: "failed", error, dispatchAttempted: false, ambiguous: false } }
    }
    raw = method.call(session, { path: { id: request.sessionID }, body: request.body })
  } catch (error) {
    // A synchronous throw happens before anything could be sent.
    return { kind: "immediate", outcome: { status: "failed", error, dispatchAttempted: true, ambiguous: false } }
  }
  const pending = Promise.resolve(raw as SdkResult).then(
    outcomeOfResult,
    // A rejection may come after the request left (e.g. a dropped connection): the host may have accepted it.
    (error: unknown): DispatchOutcome => ({ status: "failed", error, dispatchAttempted: true, ambiguous: true }),
  )
  return { kind: "started", pending }
}
