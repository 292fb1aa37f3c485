// A stall as a failure record, so the core treats it by the same rules as a provider error.
import { formatWait } from "../failure/classify.ts"
import type { Failure } from "../failure/types.ts"
import type { StallWindow } from "./watch.ts"

export function stallFailure(window: StallWindow, waitedMs: number, limitMs: number): Failure {
  const waited = formatWait(waitedMs)
  const first = window === "first-token"
  return {
    code: "stalled",
    action: "fallback",
    retryable: true,
    message: first ? `no output for ${waited} after the request was sent` : `the answer stopped: no output for ${waited}`,
    rule: first ? "stall.first-token" : "stall.idle",
    reason: first ? `no first token within stall.firstTokenMs (${formatWait(limitMs)})` : `no token within stall.idleMs (${formatWait(limitMs)}) after the stream had started`,
    evidence: [{ kind: "wait", detail: first ? `no first token for ${waited}` : `no token for ${waited}` }],
  }
}
