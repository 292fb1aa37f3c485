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

/** Resolves when the client has gone (it gave up on the stream, or aborted). */
export function untilClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve()
    res.once("close", () => resolve())
  })
}

/**
 * Writes one frame per delta, `intervalMs` apart. With `stallAfter`, stops after that many and holds the
 * connection open without a byte more (a stalled provider) until the client gives up. Returns whether every
 * delta was written (false: stalled, or the client left).
 */
export async function writeDeltas(res: ServerResponse, list: string[], o: { intervalMs?: number; stallAfter?: number }, write: (delta: string) => void): Promise<boolean> {
  for (let i = 0; i < list.length; i++) {
    if (res.destroyed) return false
    if (o.stallAfter !== undefined && i >= o.stallAfter) {
      await untilClosed(res)
      return false
    }
    write(list[i]!)
    if (o.intervalMs) await sleep(o.intervalMs)
  }
  return !res.destroyed
}
