// Every word the plugin shows a person: the failure reasons and the one-line notices. The core and the shell
// hand over typed facts (notices/types.ts); only this file turns them into text.
import { formatWait } from "../failure/classify.ts"
import type { FailureCode } from "../failure/types.ts"
import { describeModel } from "../payload/model.ts"
import type { Notice, TriedModel } from "./types.ts"

const REASON: Record<FailureCode, string> = {
  rate_limited: "rate limited",
  overloaded: "overloaded",
  server_error: "server error",
  timeout: "timed out",
  network: "network error",
  stalled: "stalled (no output)",
  quota_exhausted: "quota exhausted",
  payment_required: "out of credits",
  model_missing: "model unavailable",
  auth: "auth failed",
  context_overflow: "context overflow",
  content_filter: "content filtered",
  invalid_request: "invalid request",
  aborted: "aborted",
  unknown: "failed",
}

export function reasonText(code: FailureCode): string {
  return REASON[code] ?? "failed"
}

/** "fake/a (out of credits 402), fake/b (quota exhausted)" */
export function triedText(tried: readonly TriedModel[]): string {
  return tried.map((t) => `${describeModel(t.model)} (${reasonText(t.code)}${t.statusCode ? " " + t.statusCode : ""})`).join(", ")
}

export function renderNotice(n: Notice): string {
  switch (n.type) {
    case "switched":
      return `${reasonText(n.code)} on ${describeModel(n.from)} · switched to ${describeModel(n.to)}${n.backInMs !== undefined ? ` · ${describeModel(n.from)} back in ${formatWait(n.backInMs)}` : ""}`
    case "exhausted": {
      const bound = n.bound !== undefined ? ` after ${n.bound} re-dispatches (the limit)` : ""
      const hint = n.noChain ? " No fallback chain is configured for this model or agent." : ""
      return `No model could answer${bound}. Tried: ${triedText(n.tried)}.${hint}`
    }
    case "not-started":
      return `The host accepted the switch to ${describeModel(n.to)} but did not run it; send your message again.`
    case "pre-routed":
      return `${describeModel(n.from)} is cooling down (${reasonText(n.code)}, back in ${formatWait(n.backInMs)}) · using ${describeModel(n.to)}`
    case "all-cooling":
      return `Every model of the chain of ${describeModel(n.model)} is cooling down (back in ${formatWait(n.backInMs)}); sending to it anyway.`
  }
}
