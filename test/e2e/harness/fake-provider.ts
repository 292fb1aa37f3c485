// A scripted model provider on 127.0.0.1 for end-to-end tests, fixture recording, the demo and the
// benchmarks. One server speaks every dialect the host's bundled SDKs use (wire/: OpenAI-compatible chat
// completions, OpenRouter, Anthropic Messages, OpenAI Responses, Google Gemini), picked by request path.
// Each model id maps to a behaviour (by explicit script, else by id prefix), answered in the dialect of the
// request with that provider's own error bodies; every request is logged with a timestamp so tests can count
// what reached which model and when.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { anthropic } from "./wire/anthropic.ts"
import { google, isGooglePath } from "./wire/google.ts"
import { openaiCompatible } from "./wire/openai-chat.ts"
import { openaiResponses } from "./wire/openai-responses.ts"
import { openrouter } from "./wire/openrouter.ts"
import { json, startSse, untilClosed } from "./wire/sse.ts"
import type { ErrorKind, Protocol, Usage, Wire } from "./wire/types.ts"

export type { Protocol } from "./wire/types.ts"

export type Behaviour =
  | { kind: "reply"; text?: string; usage?: Usage } // `usage`: token counts to report (OpenAI-compatible chat)
  | { kind: "quota" } // quota exhausted for a long window (OpenAI-compatible: 429 insufficient_quota)
  | { kind: "transient"; failures: number; retryAfterSec?: number } // rate limit (429, retry-after), clears after `failures` requests
  | { kind: "credits" } // out of credits / billing (OpenAI-compatible: 402, OpenRouter shape)
  | { kind: "auth" } // invalid API key
  | { kind: "missing" } // unknown model
  | { kind: "overloaded" } // persistent server overload (503; Anthropic 529)
  | { kind: "midstream"; text?: string; error?: Record<string, unknown> } // a few tokens, then an error inside the 200 stream
  | { kind: "slow"; words?: number; intervalMs?: number } // one word per interval
  | { kind: "hang" } // a stalled provider: 200 and stream headers, then not a byte, the connection held open
  | { kind: "stall"; words?: number; intervalMs?: number } // a few words of the answer, then silence, held open
  | { kind: "tool"; name: string; args: Record<string, unknown>; thenText?: string; also?: Array<Record<string, unknown>> } // tool call(s) (`also`: more calls of the same tool in the same step), then text
  | { kind: "status"; status: number; body: string; headers?: Record<string, string> } // any raw error response
  | { kind: "sequence"; steps: Behaviour[] } // request n of this model uses steps[n-1]; the last step repeats

export type RequestRecord = {
  seq: number
  t: number // epoch ms when the request arrived
  protocol: Protocol
  path: string
  model: string
  stream: boolean
  sessionID?: string // the host sends x-session-id (older hosts: x-session-affinity)
  status: number
  behaviour: Behaviour["kind"]
  /** Roles of the messages the host sent, in order (system | user | assistant | tool). */
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
  url: string // OpenAI-compatible base URL, ending in /v1
  /** Base URL to put in `provider.<id>.options.baseURL` for each dialect. */
  urls: Record<Protocol, string>
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
    case "auth":
      return { kind: "auth" }
    case "missing":
      return { kind: "missing" }
    case "overloaded":
      return { kind: "overloaded" }
    case "midstream":
      return { kind: "midstream" }
    case "slow":
      return { kind: "slow" }
    case "hang":
      return { kind: "hang" }
    case "stall":
      return { kind: "stall" }
    default:
      return { kind: "reply" }
  }
}

/** The dialect a request path belongs to. */
export function wireFor(path: string): Wire | undefined {
  if (isGooglePath(path)) return google
  if (path.endsWith("/messages")) return anthropic
  if (path.endsWith("/responses")) return openaiResponses
  if (path.endsWith("/chat/completions")) return path.startsWith("/api/") ? openrouter : openaiCompatible
  return undefined
}

const ERROR_OF: Partial<Record<Behaviour["kind"], ErrorKind>> = { quota: "quota", credits: "credits", auth: "auth", missing: "missing", overloaded: "overloaded" }

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString("utf8")
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
    const path = (req.url ?? "").split("?")[0] ?? ""
    if (req.method === "GET" && path.endsWith("/models")) {
      const data = [...new Set(["ok-model", ...scripts.keys()])].map((id) => ({ id, object: "model", owned_by: "fake" }))
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data }))
      return
    }
    const wire = req.method === "POST" ? wireFor(path) : undefined
    if (!wire) {
      json(res, 404, { error: { message: "not found" } })
      return
    }
    let body: unknown
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      res.writeHead(400).end("bad json")
      return
    }
    const parsed = wire.parse(body, path)
    const { model, stream } = parsed
    const count = (seen.get(model) ?? 0) + 1
    seen.set(model, count)
    let behaviour = scripts.get(model) ?? defaultBehaviour(model)
    if (behaviour.kind === "sequence") behaviour = behaviour.steps[Math.min(count, behaviour.steps.length) - 1] ?? { kind: "reply" }
    const rec: RequestRecord = {
      seq: ++seq,
      t,
      protocol: wire.protocol,
      path,
      model,
      stream,
      // x-session-id from 1.17.x on; 1.14/1.15 send only x-session-affinity (same value)
      sessionID: [req.headers["x-session-id"], req.headers["x-session-affinity"]].find((h): h is string => typeof h === "string"),
      status: 200,
      behaviour: behaviour.kind,
      roles: parsed.roles,
      lastUserText: parsed.userTexts[parsed.userTexts.length - 1] ?? "",
      userTexts: parsed.userTexts,
      toolResults: parsed.toolResults,
      assistantTexts: parsed.assistantTexts,
      toolNames: parsed.toolNames,
    }

    const fail = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      rec.status = status
      log(rec)
      json(res, status, payload, headers)
    }
    const providerError = (kind: ErrorKind, retryAfterSec?: number) => {
      const e = wire.error(kind, model, { retryAfterSec })
      fail(e.status, e.body, e.headers)
    }

    const errorKind = ERROR_OF[behaviour.kind]
    if (errorKind) return providerError(errorKind)
    switch (behaviour.kind) {
      case "transient": {
        if (count <= behaviour.failures) return providerError("rate-limit", behaviour.retryAfterSec ?? 1)
        log(rec)
        return wire.reply(res, model, stream, { text: `Hello from fake model ${model} after ${behaviour.failures} rate limits.` })
      }
      case "status":
        return fail(behaviour.status, behaviour.body, behaviour.headers)
      case "midstream": {
        log(rec)
        if (!stream) return fail(500, { error: { message: "midstream needs stream:true" } })
        return wire.midstream(res, model, behaviour.text ?? "Partial answer from the failing model", behaviour.error)
      }
      case "slow":
        log(rec)
        return wire.reply(res, model, stream, {
          text: Array.from({ length: behaviour.words ?? 30 }, (_, i) => `word${i + 1}`).join(" "),
          intervalMs: behaviour.intervalMs ?? 1000,
        })
      case "hang":
        log(rec)
        startSse(res)
        res.flushHeaders()
        return untilClosed(res)
      case "stall":
        log(rec)
        return wire.reply(res, model, stream, { text: `Partial answer from the stalling model ${model} that never finishes`, intervalMs: behaviour.intervalMs ?? 100, stallAfter: behaviour.words ?? 4 })
      case "tool": {
        log(rec)
        // after a tool step: answer over every tool result of that step, in order
        if (parsed.trailingToolResults.length)
          return wire.reply(res, model, stream, { text: `${behaviour.thenText ?? "Tool finished."} Tool result was: ${parsed.trailingToolResults.join(" || ")}` })
        return wire.toolCalls(res, model, stream, [behaviour.args, ...(behaviour.also ?? [])].map((args) => ({ name: behaviour.name, args })))
      }
      case "reply":
      default:
        log(rec)
        return wire.reply(res, model, stream, { text: (behaviour as { text?: string }).text ?? `Hello from fake model ${model}.`, usage: (behaviour as { usage?: Usage }).usage })
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
  const root = `http://127.0.0.1:${port}`

  return {
    url: `${root}/v1`,
    urls: {
      "openai-compatible": `${root}/v1`,
      openrouter: `${root}/api/v1`,
      anthropic: `${root}/v1`,
      "openai-responses": `${root}/v1`,
      google: `${root}/v1beta`,
    },
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
