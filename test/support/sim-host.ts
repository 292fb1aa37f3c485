// A deterministic model of the OpenCode host, for the fallback simulation. It follows the behaviour measured
// on opencode 1.18.33 (reference/opencode-host.md, Addendum 2/2b, and our probes):
//  - a prompt runs chat.message (which may move the model), stores the user message (and sets the session's
//    model to its model); with noReply nothing else happens;
//  - with no run in the session, a run starts: busy, an assistant row answering the latest user message, the
//    model call; a success completes the row, and the loop goes on with a user message stored meanwhile
//    (a queued follow-up), else busy → idle;
//  - 429/503 are retried up to 5 times with `session.status {type:"retry"}` in between, then fail;
//  - a failure publishes session.error and idle at once, but the run ends only after the errored row's write
//    (37–416 ms later) and a second idle (5–97 ms after that); a prompt stored before that end never runs
//    (it is dropped), and the run's end does not pick it up either;
//  - abort: the run ends at once (the abort call returns when it has); during a retry wait the row completes
//    empty with no error and one idle follows; while streaming a MessageAbortedError and its row follow;
//    abort of an idle session publishes an idle.
// Time comes from the manual clock; host events are scheduled and delivered by `step()`.
import type { ManualClock } from "../../src/host/clock.ts"

export type SimBehaviour = "ok" | "quota" | "credits" | "transient" | "overloaded" | "midstream" | "slow"

export type Hooks = {
  event(input: { event: unknown }): Promise<void>
  chatMessage(input: unknown, output: unknown): Promise<void>
  /** called before each model request; an AbortError it throws ends the run as aborted, nothing sent */
  chatParams?(input: unknown, output: unknown): Promise<void>
}

type Model = { providerID: string; modelID: string }
type UserMsg = { id: string; model: Model; real: boolean; answered: boolean }

type Run = {
  /** the user message the current step answers */
  user: UserMsg
  assistantID: string
  model: Model
  behaviour: SimBehaviour
  attempt: number
  waiting: boolean // in the host's retry wait
  /** failed or aborted: the run ends once its tail (errored row, second idle) is out */
  ending: boolean
}

type SimSession = { id: string; run?: Run; starting?: UserMsg; deleted: boolean; users: UserMsg[]; model?: Model }

export type PromptRequest = { model?: Model; parts: unknown[]; internal: boolean; noReply?: boolean; agent?: string }

export type InternalCall = { session: string; at: number; noReply: boolean; duringRun: boolean }

export type SimHost = ReturnType<typeof createSimHost>

/**
 * `dropChance`: how often the host drops an internal prompt that arrives while the session is idle (stored,
 * then an idle and no run): what a cold or loaded host did to a prompt sent just after a run ended.
 */
export function createSimHost(o: { clock: ManualClock; behaviourOf: (modelID: string) => SimBehaviour; random: () => number; onInternal?: (call: InternalCall) => void; dropChance?: number }) {
  let hooks: Hooks | undefined
  const sessions = new Map<string, SimSession>()
  const schedule: Array<{ at: number; seq: number; session: string; run: () => Promise<void> | void }> = []
  let seq = 0
  let ids = 0
  const id = (p: string) => `${p}_${(++ids).toString().padStart(6, "0")}`
  /** real user message ids that got an answer */
  const answered = new Set<string>()
  /** real user message ids whose turn saw a provider failure (retry status or error) */
  const failed = new Set<string>()
  /** internal prompts the host stored but never ran */
  const dropped: string[] = []
  const internalCalls: InternalCall[] = []
  const between = (lo: number, hi: number) => lo + Math.floor(o.random() * (hi - lo + 1))

  const emit = (type: string, properties: Record<string, unknown>) => hooks!.event({ event: { id: id("evt"), type, properties } })
  const later = (session: string, ms: number, run: () => Promise<void> | void) => schedule.push({ at: o.clock.now() + ms, seq: ++seq, session, run })
  const idle = async (s: SimSession) => {
    await emit("session.status", { sessionID: s.id, status: { type: "idle" } })
    await emit("session.idle", { sessionID: s.id })
  }

  /** The host runs chat.message and stores the user message as soon as a prompt arrives, busy or not. */
  async function store(s: SimSession, req: PromptRequest): Promise<UserMsg> {
    const userID = id("msg")
    const model = { ...(req.model ?? s.model ?? { providerID: "sim", modelID: "ok-1" }) }
    const output = { message: { id: userID, role: "user", sessionID: s.id, agent: req.agent ?? "build", model, time: { created: o.clock.now() } }, parts: req.parts.map((p) => ({ ...(p as object), id: id("prt"), sessionID: s.id, messageID: userID })) }
    await hooks!.chatMessage({ sessionID: s.id, agent: req.agent, model: req.model }, output)
    const stored = output.message.model as Model
    const msg: UserMsg = { id: userID, model: { providerID: stored.providerID, modelID: stored.modelID }, real: !req.internal, answered: false }
    s.users.push(msg)
    s.model = msg.model
    await emit("message.updated", { sessionID: s.id, info: { ...output.message, model: msg.model } })
    return msg
  }

  /** The latest user message: what a run answers (empty internal messages carry no text; the model reads the real ones before it). */
  const latestUser = (s: SimSession) => s.users[s.users.length - 1]

  async function startRun(s: SimSession, user: UserMsg) {
    await emit("session.status", { sessionID: s.id, status: { type: "busy" } })
    const run: Run = { user, assistantID: id("msg"), model: user.model, behaviour: o.behaviourOf(user.model.modelID), attempt: 0, waiting: false, ending: false }
    s.run = run
    await emit("message.updated", { sessionID: s.id, info: row(s, run, {}) })
    callModel(s, run)
  }

  function row(s: SimSession, r: Run, extra: Record<string, unknown>) {
    return { id: r.assistantID, sessionID: s.id, role: "assistant", parentID: r.user.id, providerID: r.model.providerID, modelID: r.model.modelID, mode: "build", agent: "build", time: { created: o.clock.now() }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, ...extra }
  }

  /**
   * The real user message this run is about: the one it answers, or for our empty re-dispatch, the latest real
   * one before it (the model reads the conversation, where that is the last thing the user said).
   */
  function subject(s: SimSession, r: Run): UserMsg | undefined {
    let last: UserMsg | undefined
    for (const u of s.users) {
      if (u.real) last = u
      if (u === r.user) break
    }
    return last
  }
  function cover(s: SimSession, r: Run, into: Set<string>) {
    const u = subject(s, r)
    if (u && !u.answered) into.add(u.id)
  }

  function callModel(s: SimSession, r: Run) {
    r.attempt += 1
    r.waiting = false
    later(s.id, between(10, 50), async () => {
      if (s.run !== r || r.ending) return
      try {
        await hooks!.chatParams?.({ sessionID: s.id, agent: "build", model: { id: r.model.modelID, providerID: r.model.providerID }, message: { id: r.user.id } }, { temperature: 0, options: {} })
      } catch (err) {
        if ((err as { name?: unknown })?.name === "AbortError") return stopBeforeSending(s, r)
        throw err
      }
      if (s.run !== r || r.ending) return
      switch (r.behaviour) {
        case "ok":
        case "slow":
          await emit("message.part.updated", { sessionID: s.id, part: { id: id("prt"), sessionID: s.id, messageID: r.assistantID, type: "step-start" } })
          return succeed(s, r)
        case "credits":
          return fail(s, r, { name: "APIError", data: { message: "Insufficient credits", statusCode: 402, isRetryable: false, responseBody: '{"error":{"message":"Insufficient credits","code":402}}' } })
        case "midstream":
          await emit("message.part.updated", { sessionID: s.id, part: { id: id("prt"), sessionID: s.id, messageID: r.assistantID, type: "step-start" } })
          await emit("message.part.delta", { sessionID: s.id, messageID: r.assistantID, partID: "p", field: "text", delta: "partial" })
          return fail(s, r, { name: "UnknownError", data: { message: '{"message":"Insufficient credits (mid-stream)","code":402}' } })
        case "quota":
        case "overloaded":
        case "transient": {
          if (r.behaviour === "transient" && r.attempt > 2) return succeed(s, r)
          const message = r.behaviour === "quota" ? "You exceeded your current quota, please check your plan and billing details." : r.behaviour === "overloaded" ? "The server is overloaded" : "Rate limit reached for requests per min. Please try again in 1s."
          cover(s, r, failed)
          if (r.attempt > 5) return fail(s, r, { name: "APIError", data: { message, statusCode: r.behaviour === "overloaded" ? 503 : 429, isRetryable: true } })
          const delay = r.behaviour === "transient" ? 1000 : 2000 * 2 ** (r.attempt - 1)
          r.waiting = true
          await emit("session.status", { sessionID: s.id, status: { type: "retry", attempt: r.attempt, message, next: o.clock.now() + delay } })
          later(s.id, delay, async () => {
            if (s.run !== r || r.ending) return
            await emit("session.status", { sessionID: s.id, status: { type: "busy" } })
            callModel(s, r)
          })
        }
      }
    })
  }

  async function succeed(s: SimSession, r: Run) {
    cover(s, r, answered)
    for (const u of s.users) {
      u.answered = true
      if (u === r.user) break
    }
    await emit("message.updated", { sessionID: s.id, info: row(s, r, { time: { created: o.clock.now(), completed: o.clock.now() }, finish: "stop", tokens: { input: 11, output: 7, reasoning: 0, cache: { read: 0, write: 0 } } }) })
    if (s.run !== r) return
    // The loop re-reads the conversation: a user message stored meanwhile is answered next, in the same run.
    const next = latestUser(s)
    if (next && !next.answered && next !== r.user) {
      s.run = undefined
      return startRun(s, next)
    }
    s.run = undefined
    await emit("session.status", { sessionID: s.id, status: { type: "busy" } })
    await idle(s)
  }

  /** session.error and an idle at once; the errored row and the run's real end come later. */
  async function fail(s: SimSession, r: Run, error: unknown) {
    cover(s, r, failed)
    r.ending = true
    await emit("session.error", { sessionID: s.id, error })
    await idle(s)
    later(s.id, between(37, 416), async () => {
      await emit("message.updated", { sessionID: s.id, info: row(s, r, { time: { created: o.clock.now(), completed: o.clock.now() }, error }) })
      later(s.id, between(5, 97), async () => {
        if (s.run === r) s.run = undefined
        await idle(s)
      })
    })
  }

  /** chat.params threw an AbortError: the host ends the run as aborted, and no request is made. */
  async function stopBeforeSending(s: SimSession, r: Run) {
    r.ending = true
    const error = { name: "MessageAbortedError", data: { message: "Aborted" } }
    await emit("session.error", { sessionID: s.id, error })
    await idle(s)
    later(s.id, between(11, 350), async () => {
      await emit("message.updated", { sessionID: s.id, info: row(s, r, { time: { created: o.clock.now(), completed: o.clock.now() }, error }) })
      if (s.run === r) s.run = undefined
      await idle(s)
    })
  }

  async function prompt(sessionID: string, req: PromptRequest) {
    const s = sessions.get(sessionID)
    if (!s || s.deleted) return { error: { name: "NotFound" }, response: { status: 404 } }
    const duringRun = !!s.run || !!s.starting
    if (req.internal) {
      const call = { session: sessionID, at: o.clock.now(), noReply: !!req.noReply, duringRun }
      internalCalls.push(call)
      o.onInternal?.(call)
    }
    const msg = await store(s, req)
    if (req.noReply) return { data: undefined, response: { status: 204 } }
    if (s.run || s.starting) {
      // The run exists: the prompt only waits for it. A run that is ending never picks the message up.
      if (s.run?.ending && req.internal) dropped.push(`${s.id}: ${msg.id}`)
      return { data: undefined, response: { status: 204 } }
    }
    if (req.internal && o.random() < (o.dropChance ?? 0)) {
      dropped.push(`${s.id}: ${msg.id} (idle)`)
      later(sessionID, between(1, 30), () => idle(s))
      return { data: undefined, response: { status: 204 } }
    }
    // The run exists from here on (an abort now cancels it), and starts working a moment later.
    s.starting = msg
    later(sessionID, 1, async () => {
      if (s.starting !== msg) return
      s.starting = undefined
      if (s.run || s.deleted) return
      await startRun(s, latestUser(s)!)
    })
    return { data: undefined, response: { status: 204 } }
  }

  async function abort(sessionID: string) {
    const s = sessions.get(sessionID)
    if (!s || s.deleted) return { data: false }
    const r = s.run
    s.starting = undefined
    if (!r) {
      await idle(s) // abort of an idle session (or of a run that had not started working yet)
      return { data: true }
    }
    s.run = undefined
    if (r.ending) return { data: true }
    r.ending = true
    if (r.waiting) {
      await emit("message.updated", { sessionID: s.id, info: row(s, r, { time: { created: o.clock.now(), completed: o.clock.now() } }) })
      await idle(s)
    } else {
      const error = { name: "MessageAbortedError", data: { message: "Aborted" } }
      await emit("session.error", { sessionID: s.id, error })
      await idle(s)
      later(s.id, between(11, 350), async () => {
        await emit("message.updated", { sessionID: s.id, info: row(s, r, { time: { created: o.clock.now(), completed: o.clock.now() }, error }) })
        await idle(s)
      })
    }
    return { data: true }
  }

  return {
    sessions,
    answered,
    failed,
    dropped,
    internalCalls,
    attach(h: Hooks) {
      hooks = h
    },
    async create(): Promise<string> {
      const sid = id("ses")
      sessions.set(sid, { id: sid, deleted: false, users: [] })
      await emit("session.created", { sessionID: sid, info: { id: sid } })
      return sid
    },
    /** A real user prompt; returns the id of the stored user message. */
    async userPrompt(sessionID: string, modelID: string): Promise<string | undefined> {
      await prompt(sessionID, { model: { providerID: "sim", modelID }, parts: [{ type: "text", text: "do the thing" }], internal: false })
      const s = sessions.get(sessionID)
      return s?.users[s.users.length - 1]?.id
    },
    userAbort: abort,
    async remove(sessionID: string) {
      const s = sessions.get(sessionID)
      if (!s || s.deleted) return
      s.deleted = true
      s.run = undefined
      s.starting = undefined
      for (let i = schedule.length - 1; i >= 0; i--) if (schedule[i]!.session === sessionID) schedule.splice(i, 1)
      await emit("session.deleted", { sessionID, info: { id: sessionID } })
    },
    /** A failed run is ending: an abort now leaves no trace the plugin could see (the run ends as it would anyway). */
    ending: (sessionID: string) => !!sessions.get(sessionID)?.run?.ending,
    running: (sessionID: string) => !!sessions.get(sessionID)?.run || !!sessions.get(sessionID)?.starting,
    /** The model the session would use for a prompt without one (the last user message's). */
    sessionModel: (sessionID: string) => sessions.get(sessionID)?.model,
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
    /** The client the plugin talks to: every prompt it sends is internal. */
    client: {
      session: {
        promptAsync: (a: any) => prompt(a.path.id, { model: a.body?.model, parts: a.body?.parts ?? [], internal: true, noReply: a.body?.noReply === true, agent: a.body?.agent }),
        prompt: (a: any) => prompt(a.path.id, { model: a.body?.model, parts: a.body?.parts ?? [], internal: true, noReply: a.body?.noReply === true, agent: a.body?.agent }),
        abort: (a: any) => abort(a.path.id),
        messages: async () => ({ data: [] }),
        status: async (_a?: any) => ({ data: Object.fromEntries([...sessions.values()].filter((s) => s.run && !s.deleted).map((s) => [s.id, { type: "busy" }])) }),
      },
      tui: { showToast: async () => ({ data: true }) },
      app: { log: async () => ({ data: true }) },
    },
  }
}
