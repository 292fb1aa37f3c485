// Anthropic Messages (`POST /v1/messages`, served by @ai-sdk/anthropic). Streams are named SSE events:
// message_start (usage.input_tokens) → content_block_start → content_block_delta… → content_block_stop →
// message_delta (stop_reason, usage.output_tokens) → message_stop; an error after the 200 is `event: error`.
// Sources: https://docs.claude.com/en/api/messages-streaming, https://docs.claude.com/en/api/errors (shape
// {type:"error", error:{type,message}, request_id}, a `request-id` header on every answer, 529
// overloaded_error), and bodies quoted in public bug reports: the 400 "Your credit balance is too low…", the
// 401 "invalid x-api-key", the 404 "model: <id>", the 400 "You have reached your specified API usage limits.
// You will regain access on <date> at 00:00 UTC." (a monthly spend limit), the 429 rate_limit_error.
import type { ServerResponse } from "node:http"
import { deltas, fakeId, frame, json, requestId, startSse, textOf, writeDeltas } from "./sse.ts"
import type { ErrorKind, ErrorReply, ParsedRequest, ToolCall, Wire, ReplyOptions } from "./types.ts"

type Block = { type?: string; text?: string; content?: unknown; name?: string }
type Message = { role?: string; content?: string | Block[] }

function blocks(m: Message): Block[] {
  return typeof m.content === "string" ? [{ type: "text", text: m.content }] : Array.isArray(m.content) ? m.content : []
}

function parse(body: any): ParsedRequest {
  const messages: Message[] = Array.isArray(body?.messages) ? body.messages : []
  const out: ParsedRequest = {
    model: String(body?.model ?? ""),
    stream: body?.stream === true,
    roles: body?.system ? ["system"] : [],
    userTexts: [],
    assistantTexts: [],
    toolResults: [],
    trailingToolResults: [],
    toolNames: Array.isArray(body?.tools) ? body.tools.map((t: { name?: string }) => String(t?.name)) : [],
  }
  messages.forEach((m, i) => {
    const bs = blocks(m)
    const text = bs.filter((b) => b.type === "text").map((b) => b.text ?? "").join("")
    if (m.role === "assistant") {
      out.roles.push("assistant")
      out.assistantTexts.push(text)
      return
    }
    const results = bs.filter((b) => b.type === "tool_result").map((b) => textOf(b.content))
    for (const r of results) {
      out.roles.push("tool")
      out.toolResults.push(r)
    }
    if (results.length && i === messages.length - 1 && !text) out.trailingToolResults = results
    if (text || !results.length) {
      out.roles.push("user")
      out.userTexts.push(text)
    }
  })
  return out
}

const ev = (type: string, data: Record<string, unknown>) => frame({ type, ...data }, type)

function start(res: ServerResponse, model: string) {
  startSse(res)
  res.write(
    ev("message_start", {
      message: {
        id: fakeId("msg_"),
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 11, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    }),
  )
}

function finish(res: ServerResponse, stopReason: string) {
  res.write(ev("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 7 } }))
  res.end(ev("message_stop", {}))
}

async function reply(res: ServerResponse, model: string, stream: boolean, o: ReplyOptions) {
  if (!stream) {
    json(
      res,
      200,
      { id: fakeId("msg_"), type: "message", role: "assistant", model, content: [{ type: "text", text: o.text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 11, output_tokens: 7 } },
      { "request-id": requestId() },
    )
    return
  }
  start(res, model)
  res.write(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }))
  res.write(ev("ping", {}))
  if (!(await writeDeltas(res, deltas(o.text), o, (d) => res.write(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: d } }))))) return
  res.write(ev("content_block_stop", { index: 0 }))
  finish(res, "end_turn")
}

function toolCalls(res: ServerResponse, model: string, stream: boolean, calls: ToolCall[]) {
  const uses = calls.map((c) => ({ type: "tool_use", id: fakeId("toolu_"), name: c.name, input: c.args }))
  if (!stream) {
    json(res, 200, { id: fakeId("msg_"), type: "message", role: "assistant", model, content: uses, stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 11, output_tokens: 7 } })
    return
  }
  start(res, model)
  uses.forEach((u, index) => {
    res.write(ev("content_block_start", { index, content_block: { ...u, input: {} } }))
    res.write(ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(u.input) } }))
    res.write(ev("content_block_stop", { index }))
  })
  finish(res, "tool_use")
}

/** Documented example of an error after the 200: an overload while streaming. */
function midstream(res: ServerResponse, model: string, text: string, error: Record<string, unknown> = { type: "overloaded_error", message: "Overloaded" }) {
  start(res, model)
  res.write(ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }))
  for (const d of deltas(text)) res.write(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: d } }))
  res.end(ev("error", { error, request_id: requestId() }))
}

/** First day of next month, 00:00 UTC: when a monthly spend limit lifts. */
function nextMonth(): string {
  const d = new Date()
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10)
}

function error(kind: ErrorKind, _model: string, o: { retryAfterSec?: number } = {}): ErrorReply {
  const body = (type: string, message: string) => ({ type: "error", error: { type, message }, request_id: requestId() })
  const headers = { "request-id": requestId() }
  switch (kind) {
    case "credits":
      return {
        status: 400,
        body: body("invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."),
        headers,
      }
    case "auth":
      return { status: 401, body: body("authentication_error", "invalid x-api-key"), headers }
    case "missing":
      return { status: 404, body: body("not_found_error", `model: ${_model}`), headers }
    case "quota":
      return {
        status: 400,
        body: body("invalid_request_error", `You have reached your specified API usage limits. You will regain access on ${nextMonth()} at 00:00 UTC.`),
        headers,
      }
    case "rate-limit":
      return {
        status: 429,
        body: body(
          "rate_limit_error",
          "This request would exceed the rate limit for your organization (00000000-0000-4000-8000-000000000000) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.",
        ),
        headers: {
          ...headers,
          "retry-after": String(o.retryAfterSec ?? 1),
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "0",
          "anthropic-ratelimit-requests-reset": new Date(Date.now() + (o.retryAfterSec ?? 1) * 1000).toISOString(),
        },
      }
    case "overloaded":
      return { status: 529, body: body("overloaded_error", "Overloaded"), headers }
  }
}

export const anthropic: Wire = { protocol: "anthropic", parse, error, reply, toolCalls, midstream }
