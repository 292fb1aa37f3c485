// A scripted OpenAI-compatible provider on 127.0.0.1 for end-to-end tests, fixture recording, the demo and
// the benchmarks. Each model id maps to a behaviour (by explicit script, else by id prefix); every request
// is logged with a timestamp so tests can count what reached which model and when.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export type Behaviour =
  | { kind: "reply"; text?: string }
  | { kind: "quota" } // 429 insufficient_quota, OpenAI shape
  | { kind: "transient"; failures: number; retryAfterSec?: number } // 429 rate limit, clears after `failures` requests
  | { kind: "credits" } // 402 insufficient credits, OpenRouter shape
  | { kind: "overloaded" } // persistent 503
  | { kind: "midstream"; text?: string; error?: Record<string, unknown> } // a few tokens, then an error object inside the SSE stream
  | { kind: "slow"; words?: number; intervalMs?: number } // one word per interval
  | { kind: "tool"; name: string; args: Record<string, unknown>; thenText?: string; also?: Array<Record<string, unknown>> } // tool call(s) (`also`: more calls of the same tool in the same step), then text
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> } // any raw error response
  | { kind: "sequence"; steps: Behaviour[] } // request n of this model uses steps[n-1]; the last step repeats

export type RequestRecord = {
  seq: number
  t: number // epoch ms when the request arrived
  model: string
  stream: boolean
  sessionID?: string // the host sends x-session-id (older hosts: x-session-affinity)
  status: number
  behaviour: Behaviour["kind"]
  /** Roles of the messages the host sent, in order. */
  roles: string[]
  /** Text of the last user message (test prompts only; never real user data). */
  lastUserText: string
  /** Every user-message text, in order. */
  userTexts: string[]
  /** Text of tool results the host sent back, in order. */
  toolResults: string[]
  /** Text of assistant messages the host replayed, in order. */
  assistantTexts: string[]
  toolNames: string[]
}

export type FakeProvider = {
  url: string // base URL ending in /v1
  port: number
  requests: RequestRecord[]
  script(model: string, behaviour: Behaviour): void
  reset(): void
  /** Resolves when a request matching `pred` has arrived (already-logged requests count). */
  waitForRequest(pred: (r: RequestRecord) => boolean, timeoutMs?: number): Promise<RequestRecord>
  close(): Promise<void>
}

/** Default behaviour by model-id prefix, so a config can name models without scripting them. */
export function defaultBehaviour(model: string): Behaviour {
  const prefix = model.split("-")[0]
  switch (prefix) {
    case "quota":
      return { kind: "quota" }
    case "transient":
      return { kind: "transient", failures: 2, retryAfterSec: 1 }
    case "credits":
      return { kind: "credits" }
    case "overloaded":
      return { kind: "overloaded" }
    case "midstream":
      return { kind: "midstream" }
    case "slow":
      return { kind: "slow" }
    default:
      return { kind: "reply" }
  }
}

type ChatMessage = { role?: string; content?: unknown; tool_calls?: unknown[] }

function textOf(content: unknown): string {
  if (typeof content === "string") return content
  if (Array.isArray(content))
    return content
      .map((c) => (c && typeof c === "object" && typeof (c as { text?: unknown }).text === "string" ? (c as { text: string }).text : ""))
      .join("")
  return ""
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

function errorBody(kind: "quota" | "transient" | "credits" | "overloaded"): { status: number; body: unknown } {
  switch (kind) {
    case "quota":
      return {
        status: 429,
        body: {
          error: {
            message: "You exceeded your current quota, please check your plan and billing details.",
            type: "insufficient_quota",
            param: null,
            code: "insufficient_quota",
          },
        },
      }
    case "transient":
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
      }
    case "credits":
      return {
        status: 402,
        body: { error: { message: "Insufficient credits. Add more using https://example.invalid/credits", code: 402 } },
      }
    case "overloaded":
      return { status: 503, body: { error: { message: "The server is overloaded, please try again later.", type: "overloaded_error", code: 503 } } }
  }
}

export async function startFakeProvider(opts: { script?: Record<string, Behaviour>; clock?: () => number } = {}): Promise<FakeProvider> {
  const now = opts.clock ?? Date.now
  const scripts = new Map<string, Behaviour>(Object.entries(opts.script ?? {}))
  const seen = new Map<string, number>() // model -> requests so far
  const requests: RequestRecord[] = []
  const waiters: Array<{ pred: (r: RequestRecord) => boolean; resolve: (r: RequestRecord) => void }> = []
  let seq = 0

  const log = (rec: RequestRecord) => {
    requests.push(rec)
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!
      if (w.pred(rec)) {
        waiters.splice(i, 1)
        w.resolve(rec)
      }
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const t = now()
    const path = (req.url ?? "").split("?")[0]
    if (req.method === "GET" && path?.endsWith("/models")) {
      const data = [...new Set(["ok-model", ...scripts.keys()])].map((id) => ({ id, object: "model", owned_by: "fake" }))
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data }))
      return
    }
    if (req.method !== "POST" || !path?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }))
      return
    }
    let body: { model?: string; stream?: boolean; messages?: ChatMessage[] }
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      res.writeHead(400).end("bad json")
      return
    }
    const model = String(body.model ?? "")
    const stream = body.stream === true
    const messages = Array.isArray(body.messages) ? body.messages : []
    const count = (seen.get(model) ?? 0) + 1
    seen.set(model, count)
    let behaviour = scripts.get(model) ?? defaultBehaviour(model)
    if (behaviour.kind === "sequence") behaviour = behaviour.steps[Math.min(count, behaviour.steps.length) - 1] ?? { kind: "reply" }
    const userTexts = messages.filter((m) => m.role === "user").map((m) => textOf(m.content))
    const toolResults = messages.filter((m) => m.role === "tool").map((m) => textOf(m.content))
    const assistantTexts = messages.filter((m) => m.role === "assistant").map((m) => textOf(m.content))
    const last = messages[messages.length - 1]
    const afterTool = last?.role === "tool"
    const rec: RequestRecord = {
      seq: ++seq,
      t,
      model,
      stream,
      // x-session-id from 1.17.x on; 1.14/1.15 send only x-session-affinity (same value)
      sessionID: [req.headers["x-session-id"], req.headers["x-session-affinity"]].find((h): h is string => typeof h === "string"),
      status: 200,
      behaviour: behaviour.kind,
      roles: messages.map((m) => String(m.role)),
      lastUserText: userTexts[userTexts.length - 1] ?? "",
      userTexts,
      toolResults,
      assistantTexts,
      toolNames: Array.isArray((body as { tools?: unknown[] }).tools)
        ? ((body as { tools: Array<{ function?: { name?: string } }> }).tools.map((x) => String(x.function?.name)))
        : [],
    }

    const fail = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      rec.status = status
      log(rec)
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(typeof payload === "string" ? payload : JSON.stringify(payload))
    }

    switch (behaviour.kind) {
      case "quota":
      case "credits":
      case "overloaded": {
        const e = errorBody(behaviour.kind)
        return fail(e.status, e.body)
      }
      case "transient": {
        if (count <= behaviour.failures) {
          const e = errorBody("transient")
          return fail(e.status, e.body, { "retry-after": String(behaviour.retryAfterSec ?? 1) })
        }
        log(rec)
        return reply(res, model, stream, { text: `Hello from fake model ${model} after ${behaviour.failures} rate limits.` })
      }
      case "status":
        return fail(behaviour.status, behaviour.body, behaviour.headers)
      case "midstream": {
        log(rec)
        if (!stream) return fail(500, { error: { message: "midstream needs stream:true" } })
        return midstream(res, model, behaviour.text ?? "Partial answer from the failing model", behaviour.error)
      }
      case "slow":
        log(rec)
        return reply(res, model, stream, {
          text: Array.from({ length: behaviour.words ?? 30 }, (_, i) => `word${i + 1}`).join(" "),
          intervalMs: behaviour.intervalMs ?? 1000,
        })
      case "tool": {
        log(rec)
        if (afterTool) {
          // every tool result of the last step, in order
          let i = messages.length
          while (i > 0 && messages[i - 1]!.role === "tool") i--
          const results = messages.slice(i).map((m) => textOf(m.content))
          return reply(res, model, stream, { text: `${behaviour.thenText ?? "Tool finished."} Tool result was: ${results.join(" || ")}` })
        }
        return toolCall(res, model, stream, behaviour.name, [behaviour.args, ...(behaviour.also ?? [])])
      }
      case "reply":
      default:
        log(rec)
        return reply(res, model, stream, { text: (behaviour as { text?: string }).text ?? `Hello from fake model ${model}.` })
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      try {
        res.writeHead(500).end(String(err))
      } catch {}
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    script(model, behaviour) {
      scripts.set(model, behaviour)
      seen.delete(model)
    },
    reset() {
      requests.length = 0
      seen.clear()
    },
    waitForRequest(pred, timeoutMs = 60_000) {
      const hit = requests.find(pred)
      if (hit) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (r: RequestRecord) => (clearTimeout(timer), resolve(r)) }
        const timer = setTimeout(() => {
          const i = waiters.indexOf(w)
          if (i >= 0) waiters.splice(i, 1)
          reject(new Error(`fake provider: no matching request within ${timeoutMs} ms`))
        }, timeoutMs)
        waiters.push(w)
      })
    },
    close() {
      server.closeAllConnections?.()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

// ---- OpenAI wire format -------------------------------------------------------------------------------

const created = () => Math.floor(Date.now() / 1000)

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null) {
  return `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: created(), model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
}

function usageChunk(model: string) {
  return `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created: created(), model, choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } })}\n\n`
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function reply(res: ServerResponse, model: string, stream: boolean, o: { text: string; intervalMs?: number }) {
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: created(),
        model,
        choices: [{ index: 0, message: { role: "assistant", content: o.text }, finish_reason: "stop" }],
        usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      }),
    )
    return
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" })
  res.write(chunk(model, { role: "assistant", content: "" }))
  const words = o.text.split(" ")
  for (let i = 0; i < words.length; i++) {
    if (res.destroyed) return
    res.write(chunk(model, { content: (i ? " " : "") + words[i] }))
    if (o.intervalMs) await sleep(o.intervalMs)
  }
  res.write(chunk(model, {}, "stop"))
  res.write(usageChunk(model))
  res.end("data: [DONE]\n\n")
}

function midstream(res: ServerResponse, model: string, text: string, error: Record<string, unknown> = { message: "Insufficient credits (mid-stream)", code: 402 }) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  res.write(chunk(model, { role: "assistant", content: "" }))
  for (const [i, w] of text.split(" ").entries()) res.write(chunk(model, { content: (i ? " " : "") + w }))
  res.write(`data: ${JSON.stringify({ error })}\n\n`)
  res.end()
}

function toolCall(res: ServerResponse, model: string, stream: boolean, name: string, argsList: Array<Record<string, unknown>>) {
  const calls = argsList.map((args) => ({ id: `call_${Math.random().toString(36).slice(2, 10)}`, type: "function", function: { name, arguments: JSON.stringify(args) } }))
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: created(),
        model,
        choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: calls }, finish_reason: "tool_calls" }],
        usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
      }),
    )
    return
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  res.write(chunk(model, { role: "assistant", content: null, tool_calls: calls.map((c, index) => ({ index, ...c })) }))
  res.write(chunk(model, {}, "tool_calls"))
  res.write(usageChunk(model))
  res.end("data: [DONE]\n\n")
}
