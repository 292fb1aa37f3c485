// Helpers shared by the end-to-end tests: start a host with the plugin and a config, run a turn, and read
// what the user sees (visible user messages, assistant replies) and what the plugin did (its trace).
import { startFakeProvider, type Behaviour, type FakeProvider } from "./fake-provider.ts"
import { startHost, type Host, type HostOptions } from "./host.ts"

export type World = { fake: FakeProvider; host: Host }

export const PLUGIN_CONFIG_PATH = "config/opencode/runtime-fallback.jsonc"

export async function startWorld(o: {
  label: string
  config?: unknown
  script?: Record<string, Behaviour>
  models?: string[]
  host?: Partial<HostOptions>
}): Promise<World> {
  const fake = await startFakeProvider({ script: o.script })
  const files = { ...(o.host?.files ?? {}) }
  if (o.config !== undefined) files[PLUGIN_CONFIG_PATH] = typeof o.config === "string" ? o.config : JSON.stringify(o.config, null, 2)
  try {
    const host = await startHost({ provider: fake, label: o.label, models: o.models, ...o.host, files })
    return { fake, host }
  } catch (e) {
    await fake.close()
    throw e
  }
}

export async function stopWorld(w: World | undefined) {
  if (!w) return
  await w.host.stop()
  await w.fake.close()
}

export type Msg = { info: any; parts: any[] }

/** User messages a person sees in the history: at least one non-synthetic text or file part. */
export function visibleUserMessages(msgs: Msg[]): Msg[] {
  return msgs.filter((m) => m.info.role === "user" && m.parts.some((p) => (p.type === "text" && !p.synthetic && !p.ignored && p.text) || p.type === "file"))
}

/** Assistant messages that said something. */
export function assistantReplies(msgs: Msg[]): Msg[] {
  return msgs.filter((m) => m.info.role === "assistant" && !m.info.error && m.parts.some((p) => p.type === "text" && p.text?.trim()))
}

export function replyText(m: Msg | undefined): string {
  return (m?.parts ?? []).filter((p) => p.type === "text").map((p) => p.text).join("")
}

/** The plugin's trace records for one session. */
export function traceOf(host: Host, sessionID: string): any[] {
  return host.trace().filter((r) => r.session === sessionID)
}

/**
 * Host API calls the plugin made (traced by method name): those attributed to the session, plus calls that
 * name no session (toasts) made since `since` (epoch ms), when given.
 */
export function pluginCalls(host: Host, sessionID: string, since?: number): string[] {
  return host
    .trace()
    .filter((r) => r.call && (r.session === sessionID || (r.session === undefined && since !== undefined && r.t >= since)))
    .map((r) => r.call as string)
}

/** Toasts the plugin showed (the host publishes them as tui.toast.show events). */
export function toasts(host: Host): Array<{ variant: string; message: string; title?: string }> {
  return host.events.filter((e) => e.type === "tui.toast.show").map((e) => e.properties)
}

/** Prompts a session and waits until it settles; returns its messages. */
export async function runTurn(w: World, sessionID: string, text: string, model: string, timeoutMs = 60_000): Promise<Msg[]> {
  await w.host.prompt(sessionID, text, model)
  await w.host.waitForIdle(sessionID, timeoutMs)
  return w.host.messages(sessionID)
}

/** Asserts the no-duplicates rule for one session: one visible user message per prompt, one reply per prompt. */
export function duplicatesIn(msgs: Msg[], prompts: number): { users: number; replies: number; ok: boolean } {
  const users = visibleUserMessages(msgs).length
  const replies = assistantReplies(msgs).length
  return { users, replies, ok: users === prompts && replies <= prompts }
}
