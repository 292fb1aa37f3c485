// OpenAI Chat Completions wire format (`POST …/chat/completions`), spoken by @ai-sdk/openai-compatible and,
// with its own error bodies, by OpenRouter (./openrouter.ts). Streamed replies end with a usage chunk and
// `data: [DONE]`.
// Error bodies: https://platform.openai.com/docs/guides/error-codes (shape {error:{message,type,param,code}}).
import type { ServerResponse } from "node:http"
import { deltas, frame, json, nowSec, startSse, textOf, writeDeltas } from "./sse.ts"
import type { ErrorKind, ErrorReply, ParsedRequest, Protocol, ReplyOptions, ToolCall, Usage, Wire } from "./types.ts"

type ChatMessage = { role?: string; content?: unknown; tool_calls?: unknown[] }

export function parseChat(body: any): ParsedRequest {
  const messages: ChatMessage[] = Array.isArray(body?.messages) ? body.messages : []
  let i = messages.length
  while (i > 0 && messages[i - 1]!.role === "tool") i--
  return {
    model: String(body?.model ?? ""),
    stream: body?.stream === true,
    roles: messages.map((m) => String(m.role)),
    userTexts: messages.filter((m) => m.role === "user").map((m) => textOf(m.content)),
    assistantTexts: messages.filter((m) => m.role === "assistant").map((m) => textOf(m.content)),
    toolResults: messages.filter((m) => m.role === "tool").map((m) => textOf(m.content)),
    trailingToolResults: messages.slice(i).map((m) => textOf(m.content)),
    toolNames: Array.isArray(body?.tools) ? body.tools.map((t: { function?: { name?: string } }) => String(t?.function?.name)) : [],
  }
}

const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 }

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) {
  return frame({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: nowSec(), model, ...extra, choices: [{ index: 0, delta, finish_reason: finish }] })
}

const usageOf = (u?: Usage) => (u ? { ...u, total_tokens: u.prompt_tokens + u.completion_tokens } : usage)
const usageChunk = (model: string, u?: Usage) => frame({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: nowSec(), model, choices: [], usage: usageOf(u) })

export async function chatReply(res: ServerResponse, model: string, stream: boolean, o: ReplyOptions) {
  if (!stream) {
    json(res, 200, {
      id: "chatcmpl-fake",
      object: "chat.completion",
      created: nowSec(),
      model,
      choices: [{ index: 0, message: { role: "assistant", content: o.text }, finish_reason: "stop" }],
      usage: usageOf(o.usage),
    })
    return
  }
  startSse(res)
  res.write(chunk(model, { role: "assistant", content: "" }))
  if (!(await writeDeltas(res, deltas(o.text), o, (d) => res.write(chunk(model, { content: d }))))) return
  res.write(chunk(model, {}, "stop"))
  res.write(usageChunk(model, o.usage))
  res.end("data: [DONE]\n\n")
}

export function chatToolCalls(res: ServerResponse, model: string, stream: boolean, list: ToolCall[]) {
  const calls = list.map((c) => ({ id: `call_${Math.random().toString(36).slice(2, 10)}`, type: "function", function: { name: c.name, arguments: JSON.stringify(c.args) } }))
  if (!stream) {
    json(res, 200, {
      id: "chatcmpl-fake",
      object: "chat.completion",
      created: nowSec(),
      model,
      choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: calls }, finish_reason: "tool_calls" }],
      usage,
    })
    return
  }
  startSse(res)
  res.write(chunk(model, { role: "assistant", content: null, tool_calls: calls.map((c, index) => ({ index, ...c })) }))
  res.write(chunk(model, {}, "tool_calls"))
  res.write(usageChunk(model))
  res.end("data: [DONE]\n\n")
}

/** A few deltas, then `data: <errorFrame>` and the stream ends without [DONE]. A given `error` replaces the frame's `error` field. */
export function chatMidstream(res: ServerResponse, model: string, text: string, errorFrame: (model: string) => Record<string, unknown>) {
  startSse(res)
  res.write(chunk(model, { role: "assistant", content: "" }))
  for (const d of deltas(text)) res.write(chunk(model, { content: d }))
  res.write(frame(errorFrame(model)))
  res.end()
}

// The OpenAI-compatible adapter's errors: OpenAI's own shapes, plus OpenRouter's 402 for credits (an
// OpenAI-compatible gateway is where a 402 comes from). The 429s and the 503 are what the existing
// fixtures (test/fixtures/*.jsonl) were recorded with; keep them byte-identical.
function compatibleError(kind: ErrorKind, model: string, o: { retryAfterSec?: number } = {}): ErrorReply {
  switch (kind) {
    case "quota":
      return {
        status: 429,
        body: { error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } },
      }
    case "rate-limit":
      return {
        status: 429,
        body: {
          error: {
            message: "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.",
            type: "requests",
            param: null,
            code: "rate_limit_exceeded",
          },
        },
        headers: { "retry-after": String(o.retryAfterSec ?? 1) },
      }
    case "credits":
      return { status: 402, body: { error: { message: "Insufficient credits. Add more using https://example.invalid/credits", code: 402 } } }
    case "overloaded":
      return { status: 503, body: { error: { message: "The server is overloaded, please try again later.", type: "overloaded_error", code: 503 } } }
    case "auth":
      // https://platform.openai.com/docs/guides/error-codes#api-errors (401 Invalid Authentication / Incorrect API key)
      return {
        status: 401,
        body: {
          error: {
            message: "Incorrect API key provided: sk-fake-*********************cret. You can find your API key at https://platform.openai.com/account/api-keys.",
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        },
      }
    case "missing":
      // Chat Completions answers an unknown or inaccessible model with 404 model_not_found.
      return {
        status: 404,
        body: { error: { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: "invalid_request_error", param: null, code: "model_not_found" } },
      }
  }
}

const compatibleMidstreamError = () => ({ error: { message: "Insufficient credits (mid-stream)", code: 402 } })

export function chatWire(protocol: Protocol, errors: Wire["error"], midstreamError: (model: string) => Record<string, unknown>): Wire {
  return {
    protocol,
    parse: (body) => parseChat(body),
    error: errors,
    reply: chatReply,
    toolCalls: chatToolCalls,
    midstream: (res, model, text, error) => chatMidstream(res, model, text, error ? (m) => ({ ...midstreamError(m), error }) : midstreamError),
  }
}

export const openaiCompatible: Wire = chatWire("openai-compatible", compatibleError, compatibleMidstreamError)
