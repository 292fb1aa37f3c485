// (a) Event-hook overhead: a recorded real event stream (test/fixtures/long-stream.jsonl: one streamed answer of
// ~2,500 words, one message.part.delta per word) replayed many times with distinct ids and sessions, through
// the plugin's `event` hook and through an empty `async () => {}` hook, interleaved in rounds.
//
// How a call is timed: the host calls `hooks.event({ event })` and does not await it. The timed loop does the
// same: it calls the hook and drops the returned promise, so the time includes the call, the plugin's
// synchronous work and the creation of the promise the async hook returns (for both hooks alike). The
// `{ event }` wrappers are built before the clock starts: that allocation is the host's, not the plugin's.
// A second mode awaits every call (one microtask turn per event), reported alongside. A third ("cache-warm")
// reads each chunk of 256 events once before timing the calls on it: in the host the hook gets an event the
// host has just built, still in cache, while a straight replay of 100,000 prebuilt events (~40 MB) makes the
// plugin, which reads the event and the empty hook does not, pay a cache miss per event.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { FIXTURES_DIR } from "../../test/support/fixtures.ts"
import { benchPlugin, type BenchPlugin } from "./plugin.ts"
import { median } from "./stats.ts"

export const FIXTURE = "long-stream"

type Hook = (input: { event: unknown }) => Promise<void>
/** Keeps the reader hook's read alive. */
let readerSink: unknown
type Rec = { kind: string; data: any }

export type OverheadResult = {
  fixture: string
  copies: number
  events: number
  deltas: number
  rounds: number
  warmup: number
  /** ns per event, one entry per round */
  plugin: Series
  empty: Series
  /** a hook that reads the delta's type and session id and does nothing else: the floor for any hook needing them */
  reader: Series
}

type Series = { delta: number[]; all: number[]; deltaAwait: number[]; allAwait: number[]; deltaWarm: number[] }
const series = (): Series => ({ delta: [], all: [], deltaAwait: [], allAwait: [], deltaWarm: [] })

/** `copies` copies of the recording, each with its own session, message, part and event ids. */
function loadCopies(copies: number): { chats: Rec[]; events: any[] } {
  const lines = readFileSync(join(FIXTURES_DIR, `${FIXTURE}.jsonl`), "utf8").split("\n").filter(Boolean)
  const first = JSON.parse(lines.find((l) => l.includes('"chat.message"'))!) as Rec
  const sid: string = first.data.input.sessionID
  const chats: Rec[] = []
  const events: any[] = []
  for (let c = 0; c < copies; c++) {
    for (const line of lines) {
      const text = line
        .replaceAll(sid, `ses_bench${String(c).padStart(4, "0")}`)
        .replaceAll('"msg_', `"msg_c${c}_`)
        .replaceAll('"prt_', `"prt_c${c}_`)
        .replaceAll('"evt_', `"evt_c${c}_`)
      const r = JSON.parse(text) as Rec
      if (r.kind === "event") events.push(r.data)
      else if (r.kind === "chat.message") chats.push(r)
    }
  }
  return { chats, events }
}

function replay(hook: Hook, inputs: readonly { event: unknown }[]): number {
  const t0 = Bun.nanoseconds()
  for (let i = 0; i < inputs.length; i++) hook(inputs[i]!)
  return Bun.nanoseconds() - t0
}

const CHUNK = 256
let sink = 0

/** Like `replay`, but each chunk of events is read once (untimed) before the calls on it are timed. */
function replayWarm(hook: Hook, inputs: readonly { event: unknown }[]): number {
  let total = 0
  for (let s = 0; s < inputs.length; s += CHUNK) {
    const e = Math.min(inputs.length, s + CHUNK)
    for (let i = s; i < e; i++) {
      const ev = inputs[i]!.event as { type: string; properties?: unknown }
      sink += ev.type.length + (ev.properties ? 1 : 0)
    }
    const t0 = Bun.nanoseconds()
    for (let i = s; i < e; i++) hook(inputs[i]!)
    total += Bun.nanoseconds() - t0
  }
  return total
}

async function replayAwaited(hook: Hook, inputs: readonly { event: unknown }[]): Promise<number> {
  const t0 = Bun.nanoseconds()
  for (let i = 0; i < inputs.length; i++) await hook(inputs[i]!)
  return Bun.nanoseconds() - t0
}

/** Every replayed session gets (again) the chat.message of its turn, untimed, so it is tracked with a live turn. */
function startTurns(p: BenchPlugin, chats: readonly Rec[]) {
  for (const c of chats) void p.hooks["chat.message"]!(structuredClone(c.data.input), structuredClone(c.data.output))
}

export async function benchEventOverhead(o: { copies?: number; rounds?: number; warmup?: number } = {}): Promise<OverheadResult> {
  const copies = o.copies ?? 40
  const rounds = o.rounds ?? 21
  const warmup = o.warmup ?? 20
  const { chats, events } = loadCopies(copies)
  const all = events.map((event) => ({ event }))
  const deltas = all.filter((w) => (w.event as { type?: string }).type === "message.part.delta")
  const empty: Hook = async () => {}
  const reader: Hook = async (i) => {
    const e = (i as { event?: { type?: unknown; properties?: { sessionID?: unknown } } } | undefined)?.event
    if (e?.type === "message.part.delta") readerSink = e.properties?.sessionID
  }
  const res: OverheadResult = {
    fixture: FIXTURE,
    copies,
    events: all.length,
    deltas: deltas.length,
    rounds,
    warmup,
    plugin: series(),
    empty: series(),
    reader: series(),
  }

  // One plugin instance for the whole run, as in the host (one per project directory); each timed replay
  // starts after a forced minor GC, so garbage left by the other side is not collected on this side's clock
  // (a full GC before each replay was tried: it throws away warmed-up state and doubles both sides' times).
  const p = benchPlugin()
  const hook = p.hooks.event as Hook
  const timed = (h: Hook, inputs: readonly { event: unknown }[]) => {
    if (h === hook) startTurns(p, chats)
    Bun.gc(false)
    return replay(h, inputs) / inputs.length
  }
  const timedWarm = (h: Hook, inputs: readonly { event: unknown }[]) => {
    if (h === hook) startTurns(p, chats)
    Bun.gc(false)
    return replayWarm(h, inputs) / inputs.length
  }
  const timedAwait = async (h: Hook, inputs: readonly { event: unknown }[]) => {
    if (h === hook) startTurns(p, chats)
    Bun.gc(false)
    return (await replayAwaited(h, inputs)) / inputs.length
  }
  const pass = async (h: Hook, out: OverheadResult["plugin"] | undefined) => {
    const d = timed(h, deltas)
    const a = timed(h, all)
    const da = await timedAwait(h, deltas)
    const aa = await timedAwait(h, all)
    const dw = timedWarm(h, deltas)
    if (h === hook && p.runtime.inspect().sessions !== copies) throw new Error(`expected ${copies} tracked sessions, got ${p.runtime.inspect().sessions}`)
    if (!out) return
    out.delta.push(d)
    out.all.push(a)
    out.deltaAwait.push(da)
    out.allAwait.push(aa)
    out.deltaWarm.push(dw)
  }
  const pluginPass = (record: boolean) => pass(hook, record ? res.plugin : undefined)
  const emptyPass = (record: boolean) => pass(empty, record ? res.empty : undefined)
  const readerPass = (record: boolean) => pass(reader, record ? res.reader : undefined)

  // Warm-up, not recorded: the host process is long-lived, so the figure that matters is the JIT-compiled
  // steady state of both hooks (cold first passes are several times slower, for the empty hook as well).
  for (let i = 0; i < warmup; i++) {
    await pluginPass(false)
    await emptyPass(false)
    await readerPass(false)
  }
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so drift (GC, frequency) falls on both sides.
    if (r % 2 === 0) {
      await pluginPass(true)
      await emptyPass(true)
      await readerPass(true)
    } else {
      await readerPass(true)
      await emptyPass(true)
      await pluginPass(true)
    }
  }
  if (sink === -1 || readerSink === -1) console.log("")
  return res
}

export function summariseOverhead(r: OverheadResult) {
  const row = (p: number[], e: number[]) => {
    const pm = median(p)
    const em = median(e)
    return { plugin: pm, empty: em, ratio: pm / em }
  }
  return {
    delta: row(r.plugin.delta, r.empty.delta),
    all: row(r.plugin.all, r.empty.all),
    deltaAwait: row(r.plugin.deltaAwait, r.empty.deltaAwait),
    allAwait: row(r.plugin.allAwait, r.empty.allAwait),
    deltaWarm: row(r.plugin.deltaWarm, r.empty.deltaWarm),
    /** the plugin against a hook that only reads what it must (type, session id) */
    deltaReader: row(r.plugin.delta, r.reader.delta),
    /** that reading alone against the empty hook */
    readerOnly: row(r.reader.delta, r.empty.delta),
  }
}

if (import.meta.main) {
  const t = Date.now()
  const r = await benchEventOverhead()
  console.log(r.events, r.deltas, summariseOverhead(r), `${Date.now() - t} ms`)
}
