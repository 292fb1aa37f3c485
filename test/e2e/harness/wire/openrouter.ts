// OpenRouter (`POST /api/v1/chat/completions`, served by @openrouter/ai-sdk-provider): the Chat Completions
// wire format with OpenRouter's own errors.
// Sources: https://openrouter.ai/docs/api/reference/errors-and-debugging (shape {error:{code,message,metadata}},
// the HTTP status equals error.code for invalid requests and out-of-credits; once the model has started,
// errors arrive in a 200 stream as a chunk with `error` and finish_reason "error"), and bodies quoted in
// public bug reports: the 402 "requires more credits, or fewer max_tokens" with metadata.limit_source, the 401
// "User not found." for an invalid key, the 404 "No endpoints found for <model>.", the 429
// "free-models-per-day" daily cap, and the upstream 429 "Provider returned error" with metadata.raw.
import { chatWire } from "./openai-chat.ts"
import { nowSec } from "./sse.ts"
import type { ErrorKind, ErrorReply } from "./types.ts"

const USER_ID = "user_2fakefakefakefakefakefake"

function openrouterError(kind: ErrorKind, model: string, o: { retryAfterSec?: number } = {}): ErrorReply {
  switch (kind) {
    case "credits":
      return {
        status: 402,
        body: {
          error: {
            message:
              "This request requires more credits, or fewer max_tokens. You requested up to 32000 tokens, but can only afford 1185. To increase, visit https://openrouter.ai/settings/credits and add more credits",
            code: 402,
            metadata: {
              limit_source: "openrouter_credits",
              remedy_hint: "Add credits at https://openrouter.ai/settings/credits, or lower max_tokens / prompt size to fit your remaining balance.",
              provider_name: null,
            },
          },
          user_id: USER_ID,
        },
      }
    case "auth":
      return { status: 401, body: { error: { message: "User not found.", code: 401 } } }
    case "missing":
      return { status: 404, body: { error: { message: `No endpoints found for ${model}.`, code: 404 } } }
    case "quota": {
      // The account-wide daily cap of free models; X-RateLimit-Reset is the next UTC midnight in epoch ms.
      const reset = new Date()
      reset.setUTCHours(24, 0, 0, 0)
      return {
        status: 429,
        body: {
          error: {
            message: "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
            code: 429,
            metadata: {
              headers: { "X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset.getTime()) },
              provider_name: null,
            },
          },
          user_id: USER_ID,
        },
      }
    }
    case "rate-limit":
      // A shared upstream pool throttled; clears within seconds (Retry-After may be sent on 429).
      return {
        status: 429,
        body: {
          error: {
            message: "Provider returned error",
            code: 429,
            metadata: {
              raw: `${model} is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations`,
              provider_name: "Google AI Studio",
              is_byok: false,
              limit_source: "upstream_provider_shared_pool",
            },
          },
          user_id: USER_ID,
        },
        headers: { "retry-after": String(o.retryAfterSec ?? 1) },
      }
    case "overloaded":
      // 502: "Your chosen model is down or we received an invalid response from it"; here an upstream overload.
      return {
        status: 502,
        body: {
          error: {
            message: "Provider returned error",
            code: 502,
            metadata: { raw: JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }), provider_name: "Anthropic" },
          },
          user_id: USER_ID,
        },
      }
  }
}

/** The documented mid-stream error: a chunk with a top-level `error` and finish_reason "error". */
function openrouterMidstream(model: string): Record<string, unknown> {
  return {
    id: "gen-fake",
    object: "chat.completion.chunk",
    created: nowSec(),
    model,
    provider: "Fake",
    error: { code: 402, message: "Insufficient credits. Add more using https://openrouter.ai/settings/credits" },
    choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
  }
}

export const openrouter = chatWire("openrouter", openrouterError, openrouterMidstream)
