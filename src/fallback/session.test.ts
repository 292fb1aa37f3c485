// One test per rule of the session machine. Pure: no host, no clock, no timers.
import { describe, expect, test } from "bun:test"
import { LIFECYCLE, turnByID } from "./session.ts"
import { A, B, C, A2, NOW, fail, QUOTA, CREDITS, RATE, NET, ABORTED, ctx, drive, user, row, answer, erroredRow, sessionError, retry, idle, busy, accepted, dispatches, notices, phase, credits402 } from "./session-kit.ts"


describe("user turns, keyed by the user message they answer", () => {
  test("a user message starts a turn on the chosen model", () => {
    const { state } = drive([user()])
    expect(phase(state)).toBe("running")
    expect(turnByID(state, "u1")?.attempt.model).toEqual(A)
  })
  test("a pre-routed turn starts on the routed model, with the skipped model recorded and the session model to give back", () => {
    const { state } = drive([{ type: "user-message", id: "u1", model: A, routed: { to: B, skipped: [{ model: A, code: "quota_exhausted", message: "x" }] } }])
    expect(turnByID(state, "u1")?.attempt.model).toEqual(B)
    expect(turnByID(state, "u1")?.tried.map((t) => t.model)).toEqual([A])
    expect(state.drift?.model).toEqual(A)
  })
  test("a follow-up typed while the first turn runs gets its own turn and its own rescue", () => {
    const { state, effects } = drive([user("u1"), row("a1", "u1", A), user("u2"), answer("a1", "u1", A), ...credits402("u2", "a2")])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "answered" })
    expect(dispatches(effects)).toEqual([{ type: "dispatch", turnID: "u2", seq: 1, kind: "replay", model: B, agent: undefined }])
  })
  test("the first turn's answer does not settle the queued follow-up on the same model", () => {
    const { state } = drive([user("u1"), row("a1", "u1", A), user("u2"), answer("a1", "u1", A)])
    expect(phase(state, "u2")).toBe("running")
  })
  test("an errored row whose turn the plugin never saw is adopted and rescued", () => {
    const { effects } = drive([erroredRow("a1", "u9", A, CREDITS), idle])
    expect(dispatches(effects).map((d) => [d.turnID, d.model.modelID])).toEqual([["u9", "b"]])
  })
  test("a retry status with no known turn adopts the turn of the latest assistant row", () => {
    const { effects } = drive([row("a1", "u9", A), retry(1, QUOTA)])
    expect(effects.some((e) => e.type === "abort")).toBe(true)
  })
})

describe("a failure the host does not retry: act when the run has ended", () => {
  test("session.error alone sends nothing; the idle published with it sends nothing either", () => {
    const { types, state } = drive([user(), row("a1", "u1", A), sessionError(CREDITS), idle])
    expect(types).not.toContain("dispatch")
    expect(types).toContain("cooldown")
    expect(phase(state)).toBe("ending")
  })
  test("the re-dispatch goes out at the idle that follows the errored row's final write", () => {
    const inputs = [user(), ...credits402()]
    const before = drive(inputs.slice(0, -1))
    expect(dispatches(before.effects)).toHaveLength(0)
    const { effects } = drive(inputs)
    expect(dispatches(effects)).toEqual([{ type: "dispatch", turnID: "u1", seq: 1, kind: "replay", model: B, agent: undefined }])
  })
  test("the errored row first, then session.error: the next idle sends", () => {
    const { effects } = drive([user(), row("a1", "u1", A), erroredRow("a1", "u1", A, CREDITS), sessionError(CREDITS), idle])
    expect(dispatches(effects)).toHaveLength(1)
  })
  test("no errored row after the idle: the short run-end timer sends", () => {
    const { effects, state } = drive([user(), row("a1", "u1", A), sessionError(CREDITS), idle, { type: "timer", name: "run-end", turnID: "u1" }])
    expect(effects).toContainEqual({ type: "set-timer", name: "run-end", turnID: "u1", ms: LIFECYCLE.idleWithoutWriteMs })
    expect(dispatches(effects)).toHaveLength(1)
    expect(phase(state)).toBe("verifying")
  })
  test("the agent of the turn travels with the re-dispatch", () => {
    const { effects } = drive([user("u1", A, "plan"), ...credits402()])
    expect(dispatches(effects)[0]?.agent).toBe("plan")
  })
  test("a target that started cooling while the run ended is skipped", () => {
    const inputs = [user(), ...credits402()]
    const { effects } = drive(inputs, (i) => (i === inputs.length - 1 ? ctx({ cooling: ["q/b"] }) : ctx()))
    expect(dispatches(effects).map((d) => d.model)).toEqual([C])
  })
})

describe("a failure the host retries: abort its retry first", () => {
  test("quota at the first retry status: abort, then dispatch once the abort returned", () => {
    const before = drive([user(), row("a1", "u1", A), retry(1, QUOTA)])
    expect(before.types).toEqual(["cooldown", "abort", "set-timer"])
    const { effects } = drive([user(), row("a1", "u1", A), retry(1, QUOTA), { type: "abort-done", turnID: "u1", ok: true }])
    expect(dispatches(effects).map((d) => d.model)).toEqual([B])
  })
  test("the echo of our abort (an empty completion) is not the user's abort", () => {
    const { state } = drive([user(), row("a1", "u1", A), retry(1, QUOTA), row("a1", "u1", A, { completed: true }), { type: "abort-done", turnID: "u1", ok: true }])
    expect(phase(state)).toBe("verifying")
  })
  test("a failed abort waits for the host's own end of the run", () => {
    const { effects } = drive([user(), row("a1", "u1", A), retry(1, QUOTA), { type: "abort-done", turnID: "u1", ok: false }])
    expect(dispatches(effects)).toHaveLength(0)
    const after = drive([user(), row("a1", "u1", A), retry(1, QUOTA), { type: "abort-done", turnID: "u1", ok: false }, erroredRow("a1", "u1", A, QUOTA), idle])
    expect(dispatches(after.effects)).toHaveLength(1)
  })
  test("the host's own short retries are left alone", () => {
    const { types } = drive([user(), row("a1", "u1", A), retry(1), retry(2)])
    expect(types).toEqual(["transient", "transient"])
  })
  test("more host attempts than configured: move on", () => {
    const { types } = drive([user(), row("a1", "u1", A), retry(1), retry(2), retry(3)])
    expect(types.slice(-2)).toEqual(["abort", "set-timer"])
  })
  test("the host's next try further off than the threshold: move on at once", () => {
    const { types } = drive([user(), row("a1", "u1", A), retry(1, RATE, NOW + 120_000)])
    expect(types).toContain("abort")
  })
  test("a wait the provider states only in its text, longer than the threshold: move on at once", () => {
    expect(drive([user(), row("a1", "u1", A), retry(1, { ...RATE, retryAfterMs: 41_200, waitStated: true }, NOW + 2_000)]).types).toContain("abort")
    expect(drive([user(), row("a1", "u1", A), retry(1, { ...RATE, retryAfterMs: 8_000, waitStated: true }, NOW + 2_000)]).types).not.toContain("abort")
  })
  test("transient errors are never cooled down", () => {
    const { types } = drive([user(), row("a1", "u1", A), retry(1), retry(2), retry(3)])
    expect(types).not.toContain("cooldown")
  })
  test("after the host gave up on its own retries: move on, no own backoff", () => {
    const { effects } = drive([user(), row("a1", "u1", A), retry(1), retry(2), sessionError(RATE), erroredRow("a1", "u1", A, RATE), idle])
    expect(dispatches(effects).map((d) => d.model)).toEqual([B])
  })
})

describe("verified dispatch", () => {
  const sent = [user(), ...credits402(), accepted()]
  test("the switch counts when the new model's row answers our dispatch's message", () => {
    const { state, effects } = drive([...sent, { type: "internal-message", id: "r1" }, busy, row("b1", "r1", B)])
    expect(phase(state)).toBe("running")
    expect(turnByID(state, "u1")?.attempt).toMatchObject({ model: B, userID: "r1", rows: ["b1"] })
    expect(effects).toContainEqual({ type: "release", turnID: "u1" })
  })
  test("the switch notice waits for the new model's output, and is never shown for a dispatch that did not run", () => {
    const confirmed = drive([...sent, { type: "internal-message", id: "r1" }, busy, row("b1", "r1", B)])
    expect(notices(confirmed.effects)).toEqual([])
    const started = drive([...sent, { type: "internal-message", id: "r1" }, busy, row("b1", "r1", B), { type: "output", messageID: "b1", tool: false }])
    expect(notices(started.effects)).toEqual([{ type: "switched", from: A, to: B, code: "payment_required", backInMs: undefined }])
  })
  test("the answer itself shows a pending notice once", () => {
    const { effects } = drive([...sent, { type: "internal-message", id: "r1" }, row("b1", "r1", B), { type: "output", messageID: "b1", tool: false }, answer("b1", "r1", B)])
    expect(notices(effects)).toHaveLength(1)
  })
  test("stored, then idle with no run, then silence: the host dropped it, and it is sent again", () => {
    const { effects, state } = drive([...sent, { type: "internal-message", id: "r1" }, idle, { type: "timer", name: "quiet", turnID: "u1" }])
    expect(dispatches(effects).map((d) => [d.seq, d.model.modelID])).toEqual([
      [1, "b"],
      [2, "b"],
    ])
    const release = effects.findIndex((e) => e.type === "release")
    const second = effects.findIndex((e) => e.type === "dispatch" && e.seq === 2)
    expect(release).toBeGreaterThan(-1)
    expect(release).toBeLessThan(second)
    expect(turnByID(state, "u1")?.dispatches).toBe(2)
  })
  test("a run that starts after the idle is not a drop", () => {
    const { effects } = drive([...sent, { type: "internal-message", id: "r1" }, idle, busy, { type: "timer", name: "quiet", turnID: "u1" }])
    expect(dispatches(effects)).toHaveLength(1)
  })
  test("an idle before our message was stored (the failed run's own) is not a drop", () => {
    const { state } = drive([...sent, idle])
    expect((turnByID(state, "u1")?.phase as { quiet?: boolean }).quiet).toBe(false)
  })
  test("dropped again at the dispatch bound: said once, plainly, and nothing more is sent", () => {
    const config = { chains: { default: ["q/b"] }, limits: { maxDispatchesPerTurn: 1 } }
    const { effects, state } = drive([...sent, { type: "internal-message", id: "r1" }, idle, { type: "timer", name: "quiet", turnID: "u1" }], ctx({ config }))
    expect(dispatches(effects)).toHaveLength(1)
    expect(notices(effects)).toEqual([{ type: "not-started", to: B }])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "not-started" })
  })
  test("a verification that saw nothing asks the host; an idle host means a drop", () => {
    const asked = drive([...sent, { type: "timer", name: "verify", turnID: "u1" }])
    expect(asked.effects).toContainEqual({ type: "check-run", turnID: "u1", seq: 1 })
    const { effects } = drive([...sent, { type: "timer", name: "verify", turnID: "u1" }, { type: "run-state", turnID: "u1", seq: 1, busy: false }])
    expect(dispatches(effects)).toHaveLength(2)
    const still = drive([...sent, { type: "timer", name: "verify", turnID: "u1" }, { type: "run-state", turnID: "u1", seq: 1, busy: true }])
    expect(dispatches(still.effects)).toHaveLength(1)
  })
  test("a refused dispatch counts as a failed model and the next one is tried at once", () => {
    const { effects } = drive([user(), ...credits402(), { type: "dispatch-result", turnID: "u1", seq: 1, status: "failed", ambiguous: false, error: "400" }])
    expect(dispatches(effects).map((d) => d.model)).toEqual([B, C])
  })
  test("an ambiguous dispatch failure is not re-sent blindly", () => {
    const { effects, state } = drive([user(), ...credits402(), { type: "dispatch-result", turnID: "u1", seq: 1, status: "failed", ambiguous: true, error: "timeout" }])
    expect(dispatches(effects)).toHaveLength(1)
    expect(phase(state)).toBe("verifying")
  })
  test("the second hop: the fallback fails too, and the third model is dispatched after its run ends", () => {
    const { effects } = drive([...sent, { type: "internal-message", id: "r1" }, row("b1", "r1", B), sessionError(QUOTA), idle, erroredRow("b1", "r1", B, QUOTA), idle])
    expect(dispatches(effects).map((d) => d.model)).toEqual([B, C])
    expect(notices(effects)).toEqual([{ type: "switched", from: A, to: B, code: "payment_required", backInMs: undefined }])
  })
})

describe("what is told and kept", () => {
  test("chain exhausted after the run ended: one notice naming every model, and a note on the last row", () => {
    const config = { chains: { default: ["q/b"] } }
    const { effects, state } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", B), ...credits402("u1", "b1", B).slice(1).map((i) => (i.type === "assistant" ? { ...i, parentID: "r1", model: B } : i))], ctx({ config }))
    const n = notices(effects).filter((x) => x.type === "exhausted")
    expect(n).toEqual([{ type: "exhausted", tried: [{ model: A, code: "payment_required", statusCode: 402 }, { model: B, code: "payment_required", statusCode: 402 }], bound: undefined, noChain: false }])
    expect(effects).toContainEqual({ type: "history-note", messageID: "b1", notice: n[0]! })
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "exhausted" })
  })
  test("no chain configured: exhausted at once, with the hint", () => {
    const { effects } = drive([user(), ...credits402()], ctx({ config: {} }))
    expect(notices(effects)).toEqual([{ type: "exhausted", tried: [{ model: A, code: "payment_required", statusCode: 402 }], bound: undefined, noChain: true }])
    expect(dispatches(effects)).toHaveLength(0)
  })
  test("never more dispatches per turn than configured", () => {
    const config = { chains: { default: ["q/b", "r/c"] }, limits: { maxDispatchesPerTurn: 1 } }
    const { effects } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", B), sessionError(CREDITS), idle, erroredRow("b1", "r1", B, CREDITS), idle], ctx({ config }))
    expect(dispatches(effects)).toHaveLength(1)
    expect(notices(effects).find((n) => n.type === "exhausted")).toMatchObject({ bound: 1 })
  })
  test("once the fallback answered and the session is idle, the failed attempt leaves the history; an unanswered one stays", () => {
    const rescued = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", B), answer("b1", "r1", B), idle])
    expect(rescued.effects).toContainEqual({ type: "delete-rows", messageIDs: ["a1"] })
    const exhausted = drive([user(), ...credits402()], ctx({ config: {} }))
    expect(exhausted.types).not.toContain("delete-rows")
  })
  test("a success clears health only from when its attempt started", () => {
    const { effects } = drive([user(), row("a1", "u1", A, { created: NOW - 5_000 }), answer("a1", "u1", A)])
    expect(effects).toContainEqual({ type: "healthy", model: A, startedAt: NOW - 5_000 })
  })
})

describe("the user's model stays theirs", () => {
  test("after a re-dispatch is answered, the idle that follows gives the session its model back", () => {
    const { effects, state } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", B), answer("b1", "r1", B), idle])
    expect(effects).toContainEqual({ type: "restore-model", model: A, agent: undefined })
    expect(state.restoring).toBe(true)
  })
  test("the restore's own message is recognised as ours, once", () => {
    const { state } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", B), answer("b1", "r1", B), idle, { type: "internal-message", id: "r2" }])
    expect(state.restoring).toBe(false)
    expect(state.aliases.has("r2")).toBe(false)
  })
  test("a pre-routed turn also gives the model back when it is over", () => {
    const { effects } = drive([{ type: "user-message", id: "u1", model: A, routed: { to: B, skipped: [] } }, row("b1", "u1", B), answer("b1", "u1", B), idle])
    expect(effects).toContainEqual({ type: "restore-model", model: A, agent: undefined })
  })
  test("nothing to give back after a turn on the user's own model, and never in a subagent's session", () => {
    expect(drive([user(), row("a1", "u1", A), answer("a1", "u1", A), idle]).types).not.toContain("restore-model")
    const child = drive([{ type: "parent", parentID: "p1" }, user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", B), answer("b1", "r1", B), idle])
    expect(child.types).not.toContain("restore-model")
  })
  test("no restore while the turn is still being rescued", () => {
    const { types } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, idle])
    expect(types).not.toContain("restore-model")
  })
})

describe("own same-model retries and the user's word", () => {
  const transientNotRetried = [user(), row("a1", "u1", A), sessionError(NET), idle, erroredRow("a1", "u1", A, NET), idle]
  test("a transient error the host did not retry: after the run ends, a backoff, then a retry on the same model", () => {
    const { effects, state } = drive(transientNotRetried)
    expect(phase(state)).toBe("backoff")
    expect(effects.find((e) => e.type === "set-timer" && e.name === "backoff")).toMatchObject({ ms: 2200 })
    const after = drive([...transientNotRetried, { type: "timer", name: "backoff", turnID: "u1" }])
    expect(dispatches(after.effects)).toEqual([{ type: "dispatch", turnID: "u1", seq: 1, kind: "retry", model: A, agent: undefined }])
  })
  test("Escape while the session is idle between retries stops the backoff", () => {
    const { state, effects } = drive([...transientNotRetried, idle], (i) => ctx({ now: i >= transientNotRetried.length ? NOW + 1_000 : NOW }))
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "cancelled" })
    expect(effects).toContainEqual({ type: "clear-timer", name: "backoff", turnID: "u1" })
  })
  test("an idle right as the backoff starts belongs to the failed run, not to the user", () => {
    const { state } = drive([...transientNotRetried, idle])
    expect(phase(state)).toBe("backoff")
  })
  test("a new user message drops a pending retry (the host runs the new message)", () => {
    const { state } = drive([...transientNotRetried, user("u2")])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "superseded" })
    expect(phase(state, "u2")).toBe("running")
  })
  test("a new user message supersedes a re-dispatch the host stored but has not run (it now runs the user's)", () => {
    const { state, effects } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, user("u2"), idle, { type: "timer", name: "quiet", turnID: "u1" }])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "superseded" })
    expect(dispatches(effects)).toHaveLength(1)
  })
  test("a rescue the host already runs is not dropped by a new user message (it is answered after)", () => {
    const { state } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, busy, row("b1", "r1", B), user("u2")])
    expect(phase(state, "u1")).toBe("running")
  })
  test("a MessageAbortedError we did not cause is the user's word", () => {
    const { state, types } = drive([user(), row("a1", "u1", A), sessionError(ABORTED)])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "cancelled" })
    expect(types).not.toContain("dispatch")
  })
  test("an empty completion during the host's retry wait, not caused by us, is a user abort", () => {
    const { state } = drive([user(), row("a1", "u1", A), retry(1), row("a1", "u1", A, { completed: true })])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "cancelled" })
  })
  test("context overflow is left to the host's compaction", () => {
    const { state, types } = drive([user(), row("a1", "u1", A), sessionError(fail("context_overflow", "stop"))])
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "stopped" })
    expect(types).not.toContain("dispatch")
  })
  test("tools already ran: a hidden continue instead of a replay", () => {
    const { effects } = drive([user(), row("a1", "u1", A), { type: "output", messageID: "a1", tool: true }, ...credits402().slice(1)])
    expect(dispatches(effects)[0]?.kind).toBe("continue")
  })
  test("deletion settles every turn; nothing is sent afterwards", () => {
    const { effects, state } = drive([user(), row("a1", "u1", A), sessionError(CREDITS), { type: "deleted" }, idle, erroredRow("a1", "u1", A, CREDITS), idle])
    expect(dispatches(effects)).toHaveLength(0)
    expect(turnByID(state, "u1")?.phase).toEqual({ name: "settled", outcome: "deleted" })
  })
})

describe("cooldown scopes", () => {
  test("credits and refused keys are the account's: the next model of the same provider is skipped at once", () => {
    const config = { chains: { default: ["p/a2", "q/b"] } }
    expect(dispatches(drive([user(), ...credits402()], ctx({ config })).effects).map((d) => d.model)).toEqual([B])
  })
  test("a quota is the model's: the next model of the same provider is tried", () => {
    const config = { chains: { default: ["p/a2", "q/b"] } }
    const { effects } = drive([user(), row("a1", "u1", A), sessionError(QUOTA), idle, erroredRow("a1", "u1", A, QUOTA), idle], ctx({ config }))
    expect(dispatches(effects).map((d) => d.model)).toEqual([A2])
  })
  test("nothing else left: one more model of the cooling account is tried before giving up", () => {
    const config = { chains: { default: ["p/a2"] } }
    expect(dispatches(drive([user(), ...credits402()], ctx({ config })).effects).map((d) => d.model)).toEqual([A2])
  })
  test("the walk goes on down the chain while nothing else is left: a second account failure, then the third model", () => {
    const A3 = { providerID: "p", modelID: "a3" }
    const config = { chains: { default: ["p/a2", "p/a3"] } }
    const second = credits402("u1", "b1", A2).slice(1).map((i) => (i.type === "assistant" ? { ...i, parentID: "r1", model: A2 } : i))
    const { effects } = drive([user(), ...credits402(), accepted(), { type: "internal-message", id: "r1" }, row("b1", "r1", A2), ...second], ctx({ config }))
    expect(dispatches(effects).map((d) => d.model)).toEqual([A2, A3])
  })
  test("a healthy model of another provider still comes first: the cooling account's models get 0 requests", () => {
    const config = { chains: { default: ["p/a2", "p/a3", "q/b"] } }
    expect(dispatches(drive([user(), ...credits402()], ctx({ config })).effects).map((d) => d.model)).toEqual([B])
  })
  test("cooldown.scope overrides the default per code", () => {
    const config = { chains: { default: ["p/a2", "q/b"] }, cooldown: { scope: { payment_required: "model" } } }
    expect(dispatches(drive([user(), ...credits402()], ctx({ config })).effects).map((d) => d.model)).toEqual([A2])
  })
})

describe("chains", () => {
  test("agents, then models[primary], then default", () => {
    const config = { chains: { agents: { plan: ["r/c"] }, models: { "p/a": ["q/b"] }, default: ["r/c"] } }
    expect(dispatches(drive([user("u1", A, "plan"), ...credits402()], ctx({ config })).effects)[0]?.model).toEqual(C)
    expect(dispatches(drive([user("u1", A), ...credits402()], ctx({ config })).effects)[0]?.model).toEqual(B)
  })
  test("a variant of an exhausted model is not a fresh quota; a variant from the chain is carried", () => {
    const config = { chains: { default: [{ model: "p/a", variant: "high" }, { model: "r/c", variant: "max" }] } }
    expect(dispatches(drive([user(), ...credits402()], ctx({ config })).effects)[0]?.model).toEqual({ ...C, variant: "max" })
  })
  test("cooling models are skipped", () => {
    expect(dispatches(drive([user(), ...credits402()], ctx({ cooling: ["q/b"] })).effects)[0]?.model).toEqual(C)
  })
})
