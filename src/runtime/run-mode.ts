// `opencode run` exits at the first idle of its session, so a re-dispatched turn never reaches its output
// (probed on 1.18.33: abort then re-prompt leaves `run` exiting 0 with no output at all). There the plugin
// fails the turn fast instead, by throwing from `chat.params` at the host's next retry, with a message that
// says what happened and what the next run will do. The message must not look retryable to the host: its
// retry rules match words such as "exhausted", "unavailable", "rate limit" and the digits 429/500/502-504/524,
// and a message matching them would be retried instead of ending the turn.
import type { Failure } from "../failure/types.ts"
import { describeModel, type ModelChoice } from "../payload/model.ts"
import { formatWait } from "../failure/classify.ts"

const HOST_RETRY_WORDS =
  /429|50[0234]|524|rate.?limit|too many requests|overload|unavailable|server.?error|internal.?error|provider.?returned.?error|terminated|fetch failed|network|connect|socket|getaddrinfo|econn|timeout|timed out|exhausted|try again|capacity/i

const REASON: Partial<Record<Failure["code"], string>> = {
  quota_exhausted: "is out of quota",
  payment_required: "has no credits left",
  model_missing: "cannot be used",
  auth: "rejected the credentials",
}

export function runModeMessage(failed: { model: ModelChoice; code: Failure["code"] } | undefined, next: ModelChoice | undefined, coolsForMs: number | undefined): string {
  const what = failed ? `${describeModel(failed.model)} ${REASON[failed.code] ?? "keeps failing"}` : "the model keeps failing"
  const then = next
    ? `the next run will use ${describeModel(next)}${coolsForMs ? ` (for the next ${formatWait(coolsForMs)})` : ""}`
    : "no fallback model is left to try; configure a chain in runtime-fallback.jsonc"
  const message = `runtime-fallback: ${what}. opencode run cannot switch models in the middle of a turn; ${then}.`
  return HOST_RETRY_WORDS.test(message) ? `runtime-fallback: this model cannot answer now. opencode run cannot switch models in the middle of a turn; ${next ? "the next run will use the fallback model" : "no fallback model is left to try"}.` : message
}
