// Every word the plugin shows a person: the failure reasons and the one-line notices. The core and the shell
// hand over typed facts (notices/types.ts); only this file turns them into text.
import { formatWait } from "../failure/classify.ts"
import type { FailureCode } from "../failure/types.ts"
import { describeModel } from "../payload/model.ts"
import type { Notice, Skip, TriedModel } from "./types.ts"

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

/** 120000 → "120k", 1500 → "1.5k", 900 → "900". */
export function tokensText(n: number): string {
  if (n < 1000) return String(n)
  const k = n / 1000
  return `${k < 10 ? Math.round(k * 10) / 10 : Math.round(k)}k`
}

/** Why a chain entry cannot take the turn, in words. */
export function skipReason(s: Skip): string {
  const w = s.why
  switch (w.kind) {
    case "context":
      return `the conversation (${tokensText(w.tokens)} tokens) does not fit its context window (${tokensText(w.limit)} usable)`
    case "attachments":
      return `it takes no ${w.missing.join(" or ")} input`
    case "tools":
      return "it cannot call tools"
  }
}

/** "fake/small: the conversation (100k tokens) does not fit …; fake/text: it takes no image input" */
export function skippedText(skipped: readonly Skip[]): string {
  return skipped.map((s) => `${describeModel(s.model)}: ${skipReason(s)}`).join("; ")
}

export function renderNotice(n: Notice): string {
  switch (n.type) {
    case "switched": {
      const skipped = n.skipped?.length ? ` · skipped ${skippedText(n.skipped)}` : ""
      return `${reasonText(n.code)} on ${describeModel(n.from)} · switched to ${describeModel(n.to)}${n.backInMs !== undefined ? ` · ${describeModel(n.from)} back in ${formatWait(n.backInMs)}` : ""}${skipped}`
    }
    case "exhausted": {
      const bound = n.bound !== undefined ? ` after ${n.bound} re-dispatches (the limit)` : ""
      const hint = n.noChain ? " No fallback chain is configured for this model or agent." : ""
      const skipped = n.skipped?.length ? ` No other model of the chain fits this turn: ${skippedText(n.skipped)}.` : ""
      return `No model could answer${bound}. Tried: ${triedText(n.tried)}.${skipped}${hint}`
    }
    case "not-started":
      return `The host accepted the switch to ${describeModel(n.to)} but did not run it; send your message again.`
    case "pre-routed": {
      const skipped = n.skipped?.length ? ` · skipped ${skippedText(n.skipped)}` : ""
      return `${describeModel(n.from)} is cooling down (${reasonText(n.code)}, back in ${formatWait(n.backInMs)}) · using ${describeModel(n.to)}${skipped}`
    }
    case "neighbour":
      return n.acting === "peer"
        ? `${n.peer} also re-sends failed turns (${n.where}); it handles failures here and this plugin stands back. To use this plugin instead, turn that off, or set "neighbours": "act" to run both.`
        : `${n.peer} also re-sends failed turns (${n.where}) and "neighbours" is "act": both act on a failure and a turn may be re-sent twice. Turn one of them off.`
    case "all-cooling":
      return `Every model of the chain of ${describeModel(n.model)} is cooling down (back in ${formatWait(n.backInMs)}); sending to it anyway.`
  }
}
