// What every wire format of the fake provider implements: read a request into one neutral shape, and answer
// with a streamed reply, tool calls, a mid-stream error, or one of the provider's own documented errors.
import type { ServerResponse } from "node:http"

/** The API dialects the host's bundled SDKs speak, by the package that serves them. */
export type Protocol =
  | "openai-compatible" // @ai-sdk/openai-compatible: POST /v1/chat/completions
  | "openrouter" // @openrouter/ai-sdk-provider: POST /api/v1/chat/completions
  | "anthropic" // @ai-sdk/anthropic: POST /v1/messages
  | "openai-responses" // @ai-sdk/openai (openai/* uses the Responses API): POST /v1/responses
  | "google" // @ai-sdk/google: POST /v1beta/models/<id>:streamGenerateContent?alt=sse | :generateContent

/**
 * Failures every protocol can answer in its provider's own words:
 * credits (billing), auth (invalid key), missing (unknown model), quota (exhausted for a long window: a
 * day, a month, the account), rate-limit (a short window that clears), overloaded (server side).
 */
export type ErrorKind = "credits" | "auth" | "missing" | "quota" | "rate-limit" | "overloaded"

export type ErrorReply = { status: number; body: unknown; headers?: Record<string, string> }

/** A request as the tests look at it, whatever the dialect. */
export type ParsedRequest = {
  model: string
  stream: boolean
  /** Roles of the conversation in order, normalised to system | user | assistant | tool. */
  roles: string[]
  userTexts: string[]
  assistantTexts: string[]
  /** Text of every tool result the host sent back, in order. */
  toolResults: string[]
  /** Tool results at the very end of the conversation (the host answers a tool call); empty otherwise. */
  trailingToolResults: string[]
  toolNames: string[]
}

export type ToolCall = { name: string; args: Record<string, unknown> }

/** `intervalMs` between deltas; `stallAfter`: that many deltas, then silence with the connection held open; `usage`: the token counts to report (a long conversation; OpenAI-compatible chat only). */
export type ReplyOptions = { text: string; intervalMs?: number; stallAfter?: number; usage?: Usage }

export type Usage = { prompt_tokens: number; completion_tokens: number }

export type Wire = {
  protocol: Protocol
  parse(body: any, path: string): ParsedRequest
  error(kind: ErrorKind, model: string, o?: { retryAfterSec?: number }): ErrorReply
  reply(res: ServerResponse, model: string, stream: boolean, o: ReplyOptions): Promise<void>
  toolCalls(res: ServerResponse, model: string, stream: boolean, calls: ToolCall[]): void
  /** A few tokens, then an error inside the 200 stream. `error` replaces the protocol's default error frame. */
  midstream(res: ServerResponse, model: string, text: string, error?: Record<string, unknown>): void
}
