// A deterministic model of the OpenCode host, for the fallback simulation. It follows the behaviour measured
// on opencode 1.18.33 (reference/opencode-host.md and our probes):
//  - a prompt runs chat.message (which may move the model), stores the user message, goes busy, creates an
//    assistant message and calls the model;
//  - 429/503 are retried up to 5 times with `session.status {type:"retry"}` in between, then session.error;
//  - 402 and mid-stream errors end the turn at once with session.error; idle is published twice after errors;
//  - abort during a retry wait completes the assistant empty (no error); abort while streaming gives
//    MessageAbortedError;
//  - a prompt to a busy session is queued, and dropped if the running step fails or is aborted;
//  - a prompt with an existing messageID updates that user message in place.
// Time comes from the manual clock; host events are scheduled and delivered by `step()`.
import type { ManualClock } from "../../src/host/clock.ts"

export type SimBehaviour = "ok" | "quota" | "credits" | "transient" | "overloaded" | "midstream" | "slow"

export type Hooks = {
  event(input: { event: unknown }): Promise<void>
  chatMessage(input: unknown, output: unknown): Promise<void>
}

type Turn = {
  userID: string
  assistantID: string
  model: { providerID: string; modelID: string }
  behaviour: SimBehaviour
  attempt: number
  waiting: boolean // in the host's retry wait
  internal: boolean
}

type SimSession = { id: string; busy: boolean; turn?: Turn; starting?: object; queued?: { userID: string; model: { providerID: string; modelID: string }; internal: boolean }; deleted: boolean; users: Set<string> }

export type PromptRequest = { messageID?: string; model: { providerID: string; modelID: string }; parts: unknown[]; internal: boolean }

export type Violation = string

export type SimHost = ReturnType<typeof createSimHost>

export type InternalCall = { session: string; messageID?: string; at: number; whileBusy: boolean }

export function createSimHost(o: { clock: ManualClock; behaviourOf: (modelID: string) => SimBehaviour; random: () => number; onInternal?: (call: InternalCall) => void }) {
  let hooks: Hooks | undefined
  const sessions = new Map<string, SimSession>()
  const schedule: Array<{ at: number; seq: number; session: string; turnUser?: string; run: () => Promise<void> | void }> = []
  let seq = 0
  let ids = 0
  const id = (p: string) => `${p}_${(++ids).toString().padStart(6, "0")}`
  const violations: Violation[] = []
  /** real user message id → outcome facts */
  const answered = new Set<string>()
  /** user message ids whose turn saw a provider failure (retry status or error) */
  const failed = new Set<string>()
  const dropped: string[] = []
  const internalCalls: InternalCall[] = []

  const emit = (type: string, properties: Record<string, unknown>) => hooks!.event({ event: { id: id("evt"), type, properties } })
  const later = (session: string, ms: number, run: () => Promise<void> | void, turnUser?: string) => schedule.push({ at: o.clock.now() + ms, seq: ++seq, session, turnUser, run })

  type Accepted = { userID: string; model: { providerID: string; modelID: string }; internal: boolean }

  /** The host runs chat.message and stores the user message as soon as a prompt arrives, busy or not. */
  async function accept(s: SimSession, req: PromptRequest): Promise<Accepted> {
    const userID = req.messageID ?? id("msg")
    const output = { message: { id: userID, role: "user", sessionID: s.id, agent: "build", model: { ...req.model }, time: { created: o.clock.now() } }, parts: req.parts.map((p) => ({ ...(p as object), id: id("prt"), sessionID: s.id, messageID: userID })) }
    await hooks!.chatMessage({ sessionID: s.id, model: req.model, ...(req.messageID ? { messageID: req.messageID } : {}) }, output)
    const model = output.message.model as { providerID: string; modelID: string }
    if (!req.internal) s.users.add(userID)
    await emit("message.updated", { sessionID: s.id, info: { ...output.message, model } })
    return { userID, model, internal: req.internal }
  }

  async function startTurn(s: SimSession, req: Accepted) {
    const { userID, model } = req
    s.busy = true
    await emit("session.status", { sessionID: s.id, status: { type: "busy" } })
    const turn: Turn = { userID, assistantID: id("msg"), model, behaviour: o.behaviourOf(model.modelID), attempt: 0, waiting: false, internal: req.internal }
    s.turn = turn
    await emit("message.updated", { sessionID: s.id, info: assistantInfo(s, turn, {}) })
    callModel(s, turn)
  }

  function assistantInfo(s: SimSession, t: Turn, extra: Record<string, unknown>) {
    return { id: t.assistantID, sessionID: s.id, role: "assistant", parentID: t.userID, providerID: t.model.providerID, modelID: t.model.modelID, mode: "build", agent: "build", time: { created: o.clock.now() }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, ...extra }
  }

  function callModel(s: SimSession, t: Turn) {
    t.attempt += 1
    t.waiting = false
    const failures = t.behaviour === "transient" ? 2 : Infinity
    const ms = 10 + Math.floor(o.random() * 40)
    later(s.id, ms, async () => {
      if (s.turn !== t) return
      switch (t.behaviour) {
        case "ok":
        case "slow":
          return finish(s, t, true)
        case "credits":
          return fail(s, t, { name: "APIError", data: { message: "Insufficient credits", statusCode: 402, isRetryable: false, responseBody: '{"error":{"message":"Insufficient credits","code":402}}' } })
        case "midstream":
          await emit("message.part.delta", { sessionID: s.id, messageID: t.assistantID, partID: "p", field: "text", delta: "partial" })
          return fail(s, t, { name: "UnknownError", data: { message: '{"message":"Insufficient credits (mid-stream)","code":402}' } })
        case "quota":
        case "overloaded":
        case "transient": {
          if (t.behaviour === "transient" && t.attempt > failures) return finish(s, t, true)
          const message = t.behaviour === "quota" ? "You exceeded your current quota, please check your plan and billing details." : t.behaviour === "overloaded" ? "The server is overloaded" : "Rate limit reached for requests per min. Please try again in 1s."
          if (t.attempt > 5) return fail(s, t, { name: "APIError", data: { message, statusCode: t.behaviour === "overloaded" ? 503 : 429, isRetryable: true } })
          const delay = t.behaviour === "transient" ? 1000 : 2000 * 2 ** (t.attempt - 1)
          t.waiting = true
          failed.add(t.userID)
          await emit("session.status", { sessionID: s.id, status: { type: "retry", attempt: t.attempt, message, next: o.clock.now() + delay } })
          later(s.id, delay, async () => {
            if (s.turn !== t) return
            await emit("session.status", { sessionID: s.id, status: { type: "busy" } })
            callModel(s, t)
          })
        }
      }
    })
  }

  async function finish(s: SimSession, t: Turn, ok: boolean) {
    if (ok) answered.add(t.userID)
    await emit("message.updated", { sessionID: s.id, info: assistantInfo(s, t, { time: { created: o.clock.now(), completed: o.clock.now() }, finish: "stop", tokens: { input: 11, output: 7, reasoning: 0, cache: { read: 0, write: 0 } } }) })
    await settle(s, t, true)
  }

  async function fail(s: SimSession, t: Turn, error: unknown) {
    failed.add(t.userID)
    if (s.turn !== t) return
    s.turn = undefined
    if (s.queued) dropped.push(`${s.id}: a prompt queued behind a failing step was dropped`)
    s.queued = undefined
    await emit("session.error", { sessionID: s.id, error })
    s.busy = false
    await emit("session.status", { sessionID: s.id, status: { type: "idle" } })
    await emit("session.idle", { sessionID: s.id })
    await emit("message.updated", { sessionID: s.id, info: assistantInfo(s, t, { time: { created: o.clock.now(), completed: o.clock.now() }, error }) })
    // the host publishes idle a second time after an error
    if (!s.busy) {
      await emit("session.status", { sessionID: s.id, status: { type: "idle" } })
      await emit("session.idle", { sessionID: s.id })
    }
  }

  async function settle(s: SimSession, t: Turn, ok: boolean) {
    if (s.turn !== t) return
    s.turn = undefined
    const q = s.queued
    s.queued = undefined
    if (q && ok) return startTurn(s, q) // the host's loop picks up the queued prompt
    s.busy = false
    await emit("session.status", { sessionID: s.id, status: { type: "idle" } })
    await emit("session.idle", { sessionID: s.id })
  }

  async function prompt(sessionID: string, req: PromptRequest) {
    const s = sessions.get(sessionID)
    if (!s || s.deleted) return { error: { name: "NotFound" }, response: { status: 404 } }
    if (req.internal) {
      const call = { session: sessionID, messageID: req.messageID, at: o.clock.now(), whileBusy: s.busy }
      internalCalls.push(call)
      o.onInternal?.(call)
    }
    if (s.busy) {
      s.queued = await accept(s, req)
      return { data: undefined, response: { status: 204 } }
    }
    // the session counts as busy from now on; the turn itself starts right after the call returns
    s.busy = true
    const token = {}
    s.starting = token
    const accepted = await accept(s, req)
    later(sessionID, 1, () => {
      if (s.starting !== token) return // aborted before it started
      s.starting = undefined
      return startTurn(s, accepted)
    })
    return { data: undefined, response: { status: 204 } }
  }

  async function abort(sessionID: string) {
    const s = sessions.get(sessionID)
    if (s?.starting) {
      s.starting = undefined
      s.busy = false
      await emit("session.status", { sessionID: s.id, status: { type: "idle" } })
      await emit("session.idle", { sessionID: s.id })
      return { data: true }
    }
    if (!s || !s.turn) return { data: false }
    const t = s.turn
    s.turn = undefined
    if (s.queued) dropped.push(`${s.id}: a prompt queued behind an aborted step was dropped`)
    s.queued = undefined
    if (t.waiting) await emit("message.updated", { sessionID: s.id, info: assistantInfo(s, t, { time: { created: o.clock.now(), completed: o.clock.now() } }) })
    else {
      const error = { name: "MessageAbortedError", data: { message: "Aborted" } }
      await emit("session.error", { sessionID: s.id, error })
      await emit("message.updated", { sessionID: s.id, info: assistantInfo(s, t, { time: { created: o.clock.now(), completed: o.clock.now() }, error }) })
    }
    s.busy = false
    await emit("session.status", { sessionID: s.id, status: { type: "idle" } })
    await emit("session.idle", { sessionID: s.id })
    return { data: true }
  }

  return {
    sessions,
    violations,
    answered,
    failed,
    dropped,
    internalCalls,
    attach(h: Hooks) {
      hooks = h
    },
    async create(): Promise<string> {
      const sid = id("ses")
      sessions.set(sid, { id: sid, busy: false, deleted: false, users: new Set() })
      await emit("session.created", { sessionID: sid, info: { id: sid } })
      return sid
    },
    /** A real user prompt. */
    userPrompt(sessionID: string, modelID: string) {
      return prompt(sessionID, { model: { providerID: "sim", modelID }, parts: [{ type: "text", text: "do the thing" }], internal: false })
    },
    userAbort: abort,
    async remove(sessionID: string) {
      const s = sessions.get(sessionID)
      if (!s || s.deleted) return
      s.deleted = true
      s.turn = undefined
      s.queued = undefined
      for (let i = schedule.length - 1; i >= 0; i--) if (schedule[i]!.session === sessionID) schedule.splice(i, 1)
      await emit("session.deleted", { sessionID, info: { id: sessionID } })
    },
    busy: (sessionID: string) => sessions.get(sessionID)?.busy ?? false,
    /** Delivers every host event due by now, in order. */
    async step() {
      for (;;) {
        schedule.sort((a, b) => a.at - b.at || a.seq - b.seq)
        const next = schedule[0]
        if (!next || next.at > o.clock.now()) return
        schedule.shift()
        if (sessions.get(next.session)?.deleted) continue
        await next.run()
      }
    },
    pendingHostWork: () => schedule.length,
    nextDue: () => (schedule.length ? Math.min(...schedule.map((e) => e.at)) : undefined),
    /** The client the plugin talks to. Internal prompts are recognised by synthetic parts or by reuse of an id. */
    client: {
      session: {
        promptAsync: (a: any) => prompt(a.path.id, { messageID: a.body?.messageID, model: a.body?.model, parts: a.body?.parts ?? [], internal: true }),
        prompt: (a: any) => prompt(a.path.id, { messageID: a.body?.messageID, model: a.body?.model, parts: a.body?.parts ?? [], internal: true }),
        abort: (a: any) => abort(a.path.id),
        messages: async () => ({ data: [] }),
        status: async () => ({ data: {} }),
      },
      tui: { showToast: async () => ({ data: true }) },
      app: { log: async () => ({ data: true }) },
    },
  }
}
