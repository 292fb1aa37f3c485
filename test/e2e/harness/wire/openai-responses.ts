// OpenAI Responses (`POST /v1/responses`, served by @ai-sdk/openai for every openai/* model). Streams are
// named SSE events: response.created → response.output_item.added → response.output_text.delta… →
// response.output_item.done → response.completed (with usage). An error after the 200 is a
// `response.failed` (response.error {code,message}) or a bare `error` event {code,message,param}.
// Sources: https://platform.openai.com/docs/api-reference/responses-streaming,
// https://platform.openai.com/docs/guides/error-codes (shape {error:{message,type,param,code}}; 401 invalid
// key, 429 "You exceeded your current quota" insufficient_quota, 429 rate limits with "Please try again in",
// 503 "The engine is currently overloaded"), and bodies quoted in public bug reports (404 model_not_found,
// the tokens-per-day "Rate limit reached … on tokens per day (TPD)").
// OpenAI has no separate out-of-credits error: an account without credits gets insufficient_quota.
import type { ServerResponse } from "node:http"
import { deltas, fakeId, frame, json, nowSec, requestId, startSse, textOf, writeDeltas } from "./sse.ts"
import type { ErrorKind, ErrorReply, ParsedRequest, ToolCall, Wire, ReplyOptions } from "./types.ts"

type Item = { type?: string; role?: string; content?: unknown; name?: string; output?: unknown }

function parse(body: any): ParsedRequest {
  const items: Item[] = Array.isArray(body?.input) ? body.input : typeof body?.input === "string" ? [{ role: "user", content: body.input }] : []
  const out: ParsedRequest = {
    model: String(body?.model ?? ""),
    stream: body?.stream === true,
    roles: body?.instructions ? ["system"] : [],
    userTexts: [],
    assistantTexts: [],
    toolResults: [],
    trailingToolResults: [],
    toolNames: Array.isArray(body?.tools) ? body.tools.map((t: { name?: string }) => String(t?.name)) : [],
  }
  for (const it of items) {
    if (it.type === "function_call_output") {
      out.roles.push("tool")
      out.toolResults.push(typeof it.output === "string" ? it.output : textOf(it.output))
    } else if (it.type === "function_call") out.roles.push("assistant")
    else if (it.role === "user") {
      out.roles.push("user")
      out.userTexts.push(textOf(it.content))
    } else if (it.role === "assistant") {
      out.roles.push("assistant")
      out.assistantTexts.push(textOf(it.content))
    } else if (it.role === "system" || it.role === "developer") out.roles.push("system")
  }
  let i = items.length
  while (i > 0 && items[i - 1]!.type === "function_call_output") i--
  out.trailingToolResults = items.slice(i).map((it) => (typeof it.output === "string" ? it.output : textOf(it.output)))
  return out
}

const usage = { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 18 }

/** A named-event writer that numbers its frames. */
function stream(res: ServerResponse, model: string) {
  startSse(res)
  let seq = 0
  const id = fakeId("resp_")
  const created_at = nowSec()
  const response = (status: string, output: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: "response",
    created_at,
    status,
    model,
    output,
    error: null,
    incomplete_details: null,
    usage: null,
    service_tier: "default",
    ...extra,
  })
  const send = (type: string, data: Record<string, unknown>) => res.write(frame({ type, sequence_number: seq++, ...data }, type))
  send("response.created", { response: response("in_progress", []) })
  send("response.in_progress", { response: response("in_progress", []) })
  return { send, response, end: () => res.end() }
}

function message(id: string, text: string, status: string) {
  return { id, type: "message", status, role: "assistant", content: status === "completed" ? [{ type: "output_text", text, annotations: [] }] : [] }
}

async function reply(res: ServerResponse, model: string, isStream: boolean, o: ReplyOptions) {
  const msgId = fakeId("msg_")
  if (!isStream) {
    json(res, 200, { id: fakeId("resp_"), object: "response", created_at: nowSec(), status: "completed", model, output: [message(msgId, o.text, "completed")], error: null, incomplete_details: null, usage }, { "x-request-id": requestId() })
    return
  }
  const s = stream(res, model)
  s.send("response.output_item.added", { output_index: 0, item: message(msgId, "", "in_progress") })
  s.send("response.content_part.added", { item_id: msgId, output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } })
  if (!(await writeDeltas(res, deltas(o.text), o, (d) => s.send("response.output_text.delta", { item_id: msgId, output_index: 0, content_index: 0, delta: d, logprobs: [] })))) return
  s.send("response.output_text.done", { item_id: msgId, output_index: 0, content_index: 0, text: o.text, logprobs: [] })
  s.send("response.content_part.done", { item_id: msgId, output_index: 0, content_index: 0, part: { type: "output_text", text: o.text, annotations: [] } })
  const done = message(msgId, o.text, "completed")
  s.send("response.output_item.done", { output_index: 0, item: done })
  s.send("response.completed", { response: s.response("completed", [done], { usage }) })
  s.end()
}

function toolCalls(res: ServerResponse, model: string, isStream: boolean, calls: ToolCall[]) {
  const items = calls.map((c) => ({ type: "function_call", id: fakeId("fc_"), call_id: fakeId("call_"), name: c.name, arguments: JSON.stringify(c.args), status: "completed" }))
  if (!isStream) {
    json(res, 200, { id: fakeId("resp_"), object: "response", created_at: nowSec(), status: "completed", model, output: items, error: null, incomplete_details: null, usage })
    return
  }
  const s = stream(res, model)
  items.forEach((it, output_index) => {
    s.send("response.output_item.added", { output_index, item: { ...it, arguments: "", status: "in_progress" } })
    s.send("response.function_call_arguments.delta", { item_id: it.id, output_index, delta: it.arguments })
    s.send("response.function_call_arguments.done", { item_id: it.id, output_index, arguments: it.arguments })
    s.send("response.output_item.done", { output_index, item: it })
  })
  s.send("response.completed", { response: s.response("completed", items, { usage }) })
  s.end()
}

const SERVER_ERROR = {
  code: "server_error",
  message: "An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists.",
}

/**
 * A few deltas, then `response.failed` with `response.error` (default: server_error). Pass an `error` with
 * `type: "error"` to send a bare `error` event instead ({type:"error", code, message, param}).
 */
function midstream(res: ServerResponse, model: string, text: string, error: Record<string, unknown> = SERVER_ERROR) {
  const msgId = fakeId("msg_")
  const s = stream(res, model)
  s.send("response.output_item.added", { output_index: 0, item: message(msgId, "", "in_progress") })
  s.send("response.content_part.added", { item_id: msgId, output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } })
  for (const d of deltas(text)) s.send("response.output_text.delta", { item_id: msgId, output_index: 0, content_index: 0, delta: d, logprobs: [] })
  if (error.type === "error") {
    const { type: _t, ...rest } = error
    s.send("error", { param: null, ...rest })
  } else s.send("response.failed", { response: s.response("failed", [], { error, usage }) })
  s.end()
}

function error(kind: ErrorKind, model: string, o: { retryAfterSec?: number } = {}): ErrorReply {
  const body = (message: string, type: string, code: string | null, param: string | null = null) => ({ error: { message, type, param, code } })
  const headers = { "x-request-id": requestId() }
  switch (kind) {
    case "credits":
      return {
        status: 429,
        body: body(
          "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
          "insufficient_quota",
          "insufficient_quota",
        ),
        headers,
      }
    case "quota":
      return {
        status: 429,
        body: body(
          `Rate limit reached for ${model} in organization org-fake on tokens per day (TPD): Limit 200000, Used 199863, Requested 1245. Please try again in 7m12.864s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          "tokens",
          "rate_limit_exceeded",
        ),
        headers: { ...headers, "x-ratelimit-limit-tokens": "200000", "x-ratelimit-remaining-tokens": "137", "x-ratelimit-reset-tokens": "7m12.864s" },
      }
    case "auth":
      return {
        status: 401,
        body: body("Incorrect API key provided: sk-dummy. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"),
        headers,
      }
    case "missing":
      return { status: 404, body: body(`The model \`${model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found"), headers }
    case "rate-limit": {
      const s = o.retryAfterSec ?? 1
      return {
        status: 429,
        body: body(
          `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${s}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          "requests",
          "rate_limit_exceeded",
        ),
        headers: { ...headers, "retry-after": String(s), "x-ratelimit-limit-requests": "3", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": `${s}s` },
      }
    }
    case "overloaded":
      return { status: 503, body: body("The engine is currently overloaded, please try again later.", "server_error", null), headers }
  }
}

export const openaiResponses: Wire = { protocol: "openai-responses", parse, error, reply, toolCalls, midstream }
