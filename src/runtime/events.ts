// The event adapter: normalised host events and the chat.message hook → inputs of the core. It also keeps the
// prompt gate informed of the host's busy/idle signals, and moves a new turn off a cooling model before it is
// sent (pre-routing). Nothing here decides what to do about a failure; fallback/session.ts does.
import type { RuntimeFallbackConfig } from "../config/schema.ts"
import type { Failure } from "../failure/types.ts"
import type { ModelHealth } from "../fallback/health.ts"
import type { Input, Tried } from "../fallback/session.ts"
import type { PromptGate } from "../gate/types.ts"
import type { Clock } from "../host/clock.ts"
import type { Logger } from "../host/logger.ts"
import type { SessionEvent } from "../payload/event.ts"
import { isMeaningfulCompletion, normalisePart, type MessageRecord } from "../payload/message.ts"
import { describeModel, modelRef, type ModelChoice } from "../payload/model.ts"
import type { Notice } from "../notices/types.ts"
import { attachmentKind, unfit, type AttachmentKind, type ModelCaps } from "../fallback/capability.ts"
import { preRoute } from "./pre-route.ts"
import { needsOf, type Registry, type Tracked } from "./registry.ts"

export type AdapterDeps = {
  registry: Registry
  gate: PromptGate
  health: ModelHealth
  config: RuntimeFallbackConfig
  clock: Clock
  logger: Logger
  classify(error: unknown): Failure
  feed(sessionID: string, input: Input): void
  notify(sessionID: string, notice: Notice): void
  /** stop a new session's first pre-routed request and replay it, rather than change its stored model (not under `opencode run`, which exits at the first idle) */
  deferFirstRoute: boolean
  /** the host's metadata of a model (runtime/catalogue.ts) */
  capabilities?(model: ModelChoice): ModelCaps | undefined
}

export function createEventAdapter(d: AdapterDeps) {
  function onEvent(ev: SessionEvent) {
    switch (ev.kind) {
      case "busy": {
        d.gate.onSessionBusy(ev.sessionID)
        const t = seen(ev.sessionID, "busy")
        if (t) d.feed(t.id, { type: "busy" })
        return
      }
      case "idle": {
        d.gate.onSessionIdle(ev.sessionID)
        const t = d.registry.get(ev.sessionID)
        if (!t) return
        // `session.status {idle}` and `session.idle` are one signal published twice: count it once.
        const pair = ev.via === "idle" && t.lastEvent === "status-idle"
        t.lastEvent = ev.via === "status" ? "status-idle" : "idle"
        if (!pair) d.feed(t.id, { type: "idle" })
        return
      }
      case "retry": {
        d.gate.onSessionBusy(ev.sessionID)
        if (d.registry.wasDeleted(ev.sessionID)) return
        const failure = d.classify(ev.status)
        const t = d.registry.get(ev.sessionID) ?? (failure.action !== "stop" ? d.registry.track(ev.sessionID) : undefined)
        if (!t) return
        t.lastEvent = "retry"
        d.feed(t.id, { type: "retry-status", attempt: ev.attempt, next: ev.next, failure })
        return
      }
      case "error": {
        if (!ev.sessionID) return
        const t = seen(ev.sessionID, "error")
        if (t) d.feed(t.id, { type: "session-error", failure: d.classify(ev.error) })
        return
      }
      case "message":
        return onMessage(ev.sessionID, ev.message)
      case "part": {
        const t = seen(ev.sessionID, "part")
        const p = ev.part
        if (!t || !p.messageID) return
        if (p.type === "tool") {
          if (p.toolStatus && p.toolStatus !== "pending") {
            t.facts.tools = true
            d.feed(t.id, { type: "output", messageID: p.messageID, tool: true })
          }
        } else if (p.type === "step-start" || p.type === "file") d.feed(t.id, { type: "output", messageID: p.messageID, tool: false })
        return
      }
      case "session": {
        if (ev.change === "deleted") {
          d.gate.onSessionDeleted(ev.sessionID)
          const t = d.registry.get(ev.sessionID)
          if (t) {
            d.feed(t.id, { type: "deleted" })
            d.registry.remove(t.id)
          }
        } else if (ev.parentID && !d.registry.wasDeleted(ev.sessionID)) {
          const t = d.registry.track(ev.sessionID)
          if (t.m.parentID !== ev.parentID) d.feed(t.id, { type: "parent", parentID: ev.parentID })
        }
        return
      }
    }
  }

  /** The session's record if the plugin follows it; its last-event marker is updated either way. */
  function seen(sessionID: string, kind: string): Tracked | undefined {
    const t = d.registry.get(sessionID)
    if (t) t.lastEvent = kind
    return t
  }

  function onMessage(sessionID: string, m: MessageRecord) {
    // A deleted session's late rows (its errored write comes after the deletion) must not revive it.
    if (m.role !== "assistant" || !m.id || d.registry.wasDeleted(sessionID)) return
    const failure = m.error !== undefined ? d.classify(m.error) : undefined
    // Follow every session with assistant rows: a failure that names no message (a retry status) is matched
    // to the turn of the latest row.
    const t = failure ? d.registry.track(sessionID) : (d.registry.get(sessionID) ?? d.registry.track(sessionID))
    t.lastEvent = "message"
    // The conversation's size as its latest request carried it (a failed request reports no tokens).
    if (m.tokens > 0) t.facts.tokens = m.tokens
    const model: ModelChoice | undefined = m.model ? (m.variant ? { ...m.model, variant: m.variant } : m.model) : undefined
    d.feed(t.id, {
      type: "assistant",
      id: m.id,
      parentID: m.parentID,
      model,
      agent: m.agent,
      created: m.created,
      completed: m.completed !== undefined || (!!m.finish && m.finish !== "tool-calls" && m.error !== undefined),
      finish: m.finish,
      meaningful: isMeaningfulCompletion(m),
      failure,
    })
  }

  /** chat.message: a real user turn (pre-routed off a cooling model), or the echo of one of our own prompts. */
  function chatMessage(input: unknown, output: unknown) {
    const i = (input ?? {}) as { sessionID?: unknown; agent?: unknown; model?: unknown; messageID?: unknown; variant?: unknown }
    const o = (output ?? {}) as { message?: Record<string, unknown>; parts?: unknown[] }
    const sessionID = typeof i.sessionID === "string" ? i.sessionID : undefined
    if (!sessionID || !o.message || typeof o.message !== "object") return
    const parts = Array.isArray(o.parts) ? o.parts : []
    const messageID = typeof o.message.id === "string" ? o.message.id : typeof i.messageID === "string" ? i.messageID : undefined
    const t = d.registry.track(sessionID)
    if (!messageID) return
    const files: AttachmentKind[] = []
    for (const p of parts) {
      const n = normalisePart(p)
      const kind = n?.type === "file" ? attachmentKind(n.mime) : undefined
      if (kind && !files.includes(kind)) files.push(kind)
    }
    // Our own prompts: a re-dispatch or a restore sends no parts; a continue carries our marker.
    const ours = parts.length === 0 || parts.some((p) => normalisePart(p)?.internal)
    if (ours && (t.m.restoring || t.m.turns.some((x) => x.phase.name === "verifying" && !x.phase.userID))) return d.feed(sessionID, { type: "internal-message", id: messageID })
    const msgModel = o.message.model as Record<string, unknown> | undefined
    const model = modelRef(msgModel) ?? modelRef(i.model)
    const variant = (typeof i.variant === "string" ? i.variant : undefined) ?? (typeof msgModel?.variant === "string" ? msgModel.variant : undefined)
    const agent = typeof o.message.agent === "string" ? o.message.agent : typeof i.agent === "string" ? i.agent : undefined
    t.failFast = undefined
    t.routeAbort = undefined
    if (!model) return d.feed(sessionID, { type: "user-message", id: messageID, agent })
    const primary: ModelChoice = variant ? { ...model, variant } : model
    const routed = route(t, primary, agent, files)
    for (const k of files) t.facts.attachments.add(k)
    // The first message of a session a TUI shows: the TUI adopts the model stored on it as its selection, for
    // good (measured, 1.18.33). So it keeps the user's model, and its request is stopped before it is sent
    // (chat.params) and replayed on the routed model. Elsewhere the stored model is changed in place.
    const deferred = !!routed && d.deferFirstRoute && t.m.turns.length === 0 && !t.m.parentID
    if (routed && deferred) t.routeAbort = messageID
    else if (routed && msgModel && typeof msgModel === "object") {
      // Mutate in place (the host ignores a replaced object) and keep the variant.
      msgModel.providerID = routed.to.providerID
      msgModel.modelID = routed.to.modelID
      if (routed.to.variant) msgModel.variant = routed.to.variant
    }
    d.feed(sessionID, { type: "user-message", id: messageID, model: primary, agent, routed: routed && { ...routed, deferred } })
  }

  /** A turn about to be sent to a cooling model moves to the next healthy one of its chain first. */
  function route(t: Tracked, primary: ModelChoice, agent: string | undefined, files: AttachmentKind[]): { to: ModelChoice; skipped: Tried[] } | undefined {
    const now = d.clock.now()
    const needs = needsOf(t.facts, files)
    const caps = d.capabilities
    const r = preRoute(d.health, d.config.chains, primary, agent, now, caps && needs ? (m) => unfit(caps(m), needs) : undefined)
    if (r.kind === "healthy") return undefined
    const unfitNote = r.unfit.length ? { skipped: r.unfit } : {}
    if (r.unfit.length) d.logger.log("info", `pre-route passed over ${r.unfit.map((s) => `${describeModel(s.model)} (${s.why.kind})`).join(", ")}`, { session: t.id })
    if (r.kind === "all-cooling") {
      if (d.registry.notice(t, `all:${describeModel(primary)}`)) d.notify(t.id, { type: "all-cooling", model: primary, backInMs: Math.max(0, r.cooling.until - now) })
      return undefined
    }
    if (d.registry.notice(t, `${describeModel(primary)}>${describeModel(r.to)}`)) d.notify(t.id, { type: "pre-routed", from: primary, to: r.to, code: r.cooling.code, backInMs: Math.max(0, r.cooling.until - now), ...unfitNote })
    d.logger.log("info", `pre-routed a new turn from ${describeModel(primary)} to ${describeModel(r.to)}`, { session: t.id })
    return { to: r.to, skipped: r.skipped }
  }

  return { onEvent, chatMessage }
}
