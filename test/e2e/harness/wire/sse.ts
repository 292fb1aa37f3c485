// Small helpers shared by the wire formats: SSE frames, JSON answers, text extraction, ids.
import type { ServerResponse } from "node:http"

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const nowSec = () => Math.floor(Date.now() / 1000)

export function fakeId(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 12)}`
}

export function startSse(res: ServerResponse) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" })
}

/** One SSE frame; `event` adds an `event:` line (Anthropic and OpenAI Responses name every frame). */
export function frame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(typeof body === "string" ? body : JSON.stringify(body))
}

/** Text of a message content: a string, or an array of blocks with `text`. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content
  if (Array.isArray(content))
    return content
      .map((c) => (c && typeof c === "object" && typeof (c as { text?: unknown }).text === "string" ? (c as { text: string }).text : ""))
      .join("")
  return ""
}

/** Words of a reply with their leading spaces, one per streamed delta. */
export function deltas(text: string): string[] {
  return text.split(" ").map((w, i) => (i ? " " : "") + w)
}

/** The request-id style header value each provider puts on every answer. */
export const requestId = (prefix = "req_") => fakeId(prefix)
