// What the user is told, as typed events. The core decides *that* something is worth saying and with which
// facts; the wording lives in one place (runtime/notice-text.ts), so tests assert facts, not punctuation.
import type { FailureCode } from "../failure/types.ts"
import type { ModelChoice } from "../payload/model.ts"
import type { Skip } from "../fallback/capability.ts"

export type TriedModel = { model: ModelChoice; code: FailureCode; statusCode?: number }
export type { Skip }

export type Notice =
  /**
   * The turn now runs on `to`: shown once the new model's request was observed, never before. `skipped`:
   * entries of the chain passed over because they cannot take this turn (context window, attachments, tools).
   */
  | { type: "switched"; from: ModelChoice; to: ModelChoice; code: FailureCode; backInMs?: number; skipped?: Skip[] }
  /**
   * No model of the chain could answer this turn. `bound`: the per-turn dispatch limit was reached;
   * `skipped`: entries that were left but cannot take this turn.
   */
  | { type: "exhausted"; tried: TriedModel[]; bound?: number; noChain: boolean; skipped?: Skip[] }
  /** A re-dispatch was accepted by the host but never ran, twice: the turn stays unanswered. */
  | { type: "not-started"; to: ModelChoice }
  /** A new turn was moved off a cooling model before any request (chat.message). */
  | { type: "pre-routed"; from: ModelChoice; to: ModelChoice; code: FailureCode; backInMs: number; skipped?: Skip[] }
  /**
   * Another mechanism in this host re-sends failed turns (`peer`, enabled in `where`): only one may act.
   * `acting`: "peer" when this plugin stands back, "both" when its config says to act anyway.
   */
  | { type: "neighbour"; peer: string; where: string; acting: "peer" | "both" }
  /** Every model of the chain is cooling down: the turn goes to the user's model anyway. */
  | { type: "all-cooling"; model: ModelChoice; backInMs: number }

export type NoticeLevel = "info" | "warning" | "error"

export function noticeLevel(n: Notice): NoticeLevel {
  switch (n.type) {
    case "exhausted":
    case "not-started":
      return "error"
    case "switched":
    case "all-cooling":
      return "warning"
    case "pre-routed":
      return "info"
    case "neighbour":
      return "warning"
  }
}
