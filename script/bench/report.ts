// Turns the measurements into one results table (terminal and bench/RESULTS.md print the same rows) plus the
// per-run details of the recovery runs for the file. Verdicts are computed here from the measured numbers.
import type { ClassifyResult } from "./classify.ts"
import { summariseOverhead, type OverheadResult } from "./event-overhead.ts"
import { hopMedians, type HopPath, type HopsResult } from "./hops.ts"
import type { MemoryResult } from "./memory.ts"
import { BACKUP_MODEL, SCENARIOS, type RecoveryResult, type RunResult } from "./recovery.ts"
import { fmtBytes, fmtInt, fmtMs, fmtNs, median, passFail } from "./stats.ts"

export const TARGETS = { deltaNs: 1_000, ratio: 3, heapBytes: 2 * 1024 * 1024, classifyUs: 50, hopMs: 150 }

export type Row = { measurement: string; plugin: string; without: string; target: string; result: string }

export type Results = { overhead?: OverheadResult; recovery?: RecoveryResult; memory?: MemoryResult; classify?: ClassifyResult; hops?: HopsResult; errors: string[] }

export function hopRows(r: HopsResult): Row[] {
  const rows: Row[] = []
  for (const temperature of ["cold", "warm"] as const) {
    const a = hopMedians(r, "402", temperature)
    const b = hopMedians(r, "429 quota", temperature)
    const hops = (m: ReturnType<typeof hopMedians>) => m.perHop.map((x) => fmtMs(x)).join(" / ")
    rows.push({
      measurement: `e. run end → next model's 1st request, ${temperature} host: median over all hops (hop 1 / 2 / 3); ${a.runs} turns of 3 hops each side`,
      plugin: `402 (not retried by the host): ${fmtMs(a.all)} (${hops(a)}); ${a.answered}/${a.runs} answered`,
      without: `429 quota (retried; abort first): ${fmtMs(b.all)} (${hops(b)}); ${b.answered}/${b.runs} answered`,
      target: `402 ≤ ${TARGETS.hopMs} ms`,
      result: passFail(a.all <= TARGETS.hopMs && a.answered === a.runs),
    })
  }
  return rows
}
export type { HopPath }

export function overheadRows(r: OverheadResult): Row[] {
  const s = summariseOverhead(r)
  const n = `${fmtInt(r.events)} events (${fmtInt(r.deltas)} deltas)`
  return [
    {
      measurement: `a. event hook per streaming delta (median of ${r.rounds} rounds; called as the host does, not awaited)`,
      plugin: fmtNs(s.delta.plugin),
      without: `${fmtNs(s.delta.empty)} (empty hook)`,
      target: "≤ 1 µs",
      result: passFail(s.delta.plugin <= TARGETS.deltaNs),
    },
    {
      measurement: "a. same, plugin / empty hook",
      plugin: `${s.delta.ratio.toFixed(2)}×`,
      without: "1×",
      target: "≤ 3×",
      result: passFail(s.delta.ratio <= TARGETS.ratio),
    },
    {
      measurement: "a. a hook that only reads each delta's type and session id (what any stall watch must read), per delta",
      plugin: fmtNs(s.readerOnly.plugin),
      without: `${fmtNs(s.readerOnly.empty)} (empty hook)`,
      target: "info",
      result: `${s.readerOnly.ratio.toFixed(2)}×`,
    },
    {
      measurement: "a. plugin per delta / that reading-only hook",
      plugin: `${s.deltaReader.ratio.toFixed(2)}×`,
      without: "1×",
      target: "info",
      result: `${s.deltaReader.ratio.toFixed(2)}×`,
    },
    {
      measurement: `a. event hook per event, all ${n}, not awaited`,
      plugin: fmtNs(s.all.plugin),
      without: `${fmtNs(s.all.empty)} (empty hook)`,
      target: "info",
      result: `${s.all.ratio.toFixed(2)}×`,
    },
    {
      measurement: "a. event hook per streaming delta, each call awaited",
      plugin: fmtNs(s.deltaAwait.plugin),
      without: `${fmtNs(s.deltaAwait.empty)} (empty hook)`,
      target: "info",
      result: `${s.deltaAwait.ratio.toFixed(2)}×`,
    },
    {
      measurement: "a. event hook per streaming delta, cache-warm (see method)",
      plugin: fmtNs(s.deltaWarm.plugin),
      without: `${fmtNs(s.deltaWarm.empty)} (empty hook)`,
      target: "info",
      result: `${s.deltaWarm.ratio.toFixed(2)}×`,
    },
    {
      measurement: "a. event hook per event, all events, each call awaited",
      plugin: fmtNs(s.allAwait.plugin),
      without: `${fmtNs(s.allAwait.empty)} (empty hook)`,
      target: "info",
      result: `${s.allAwait.ratio.toFixed(2)}×`,
    },
  ]
}

const med = (xs: Array<number | undefined>) => median(xs.filter((x): x is number => x !== undefined && Number.isFinite(x)))
/** Which model answered: "backup-model", "its own (failing) model", or a mix with counts. */
const models = (rs: RunResult[]) => {
  const counts = new Map<string, number>()
  for (const r of rs) if (r.answerModel) {
    const m = r.answerModel === r.failingModel ? "the same model" : r.answerModel
    counts.set(m, (counts.get(m) ?? 0) + 1)
  }
  return [...counts].map(([m, c]) => (c === rs.length ? m : `${m} ×${c}`)).join(", ") || "—"
}

/** The expected outcome of a plugin run: answered, and by the backup model (switch) or the same model (stay). */
export function runMeetsExpectation(r: RunResult): boolean {
  const s = SCENARIOS.find((x) => x.key === r.scenario)!
  if (!r.answered) return false
  return s.expect === "switch" ? r.answerModel === BACKUP_MODEL : r.answerModel === r.failingModel && r.fallbackRequests === 0
}

export function recoveryRows(rec: RecoveryResult): Row[] {
  const rows: Row[] = []
  for (const s of SCENARIOS) {
    const p = rec.results.filter((r) => r.setup === "plugin" && r.scenario === s.key)
    const b = rec.results.filter((r) => r.setup === "bare" && r.scenario === s.key)
    if (!p.length && !b.length) continue
    const pa = p.filter((r) => r.answered)
    const ba = b.filter((r) => r.answered)
    const bareOutcome = ba.length
      ? `${fmtMs(med(ba.map((r) => r.promptToAnswerMs)))}; answered ${ba.length}/${b.length} by ${models(b)}` +
        (ba.length < b.length ? `; final error after ${fmtMs(med(b.map((r) => r.promptToFinalErrorMs)))}` : "")
      : `no answer (0/${b.length}); final error after ${fmtMs(med(b.map((r) => r.promptToFinalErrorMs)))}`
    const expectText = s.expect === "switch" ? `answer by ${BACKUP_MODEL}` : "answer, no switch"
    rows.push({
      measurement: `b. ${s.label}: prompt → answer (median, ${p.length} / ${b.length} runs)`,
      plugin: `${fmtMs(med(pa.map((r) => r.promptToAnswerMs)))}; answered ${pa.length}/${p.length} by ${models(p)}`,
      without: bareOutcome,
      target: expectText,
      result: passFail(p.length > 0 && p.every(runMeetsExpectation)),
    })
    rows.push({
      measurement: `b. ${s.label}: 1st failing response → fallback's 1st request`,
      plugin: s.expect === "switch" ? fmtMs(med(p.map((r) => r.failureToFallbackMs))) : p.some((r) => r.fallbackRequests > 0) ? "SWITCHED" : "no switch (right)",
      without: "— (no fallback)",
      target: "info",
      result: "",
    })
    rows.push({
      measurement: `b. ${s.label}: requests to the failing model (median)`,
      plugin: String(med(p.map((r) => r.failingRequests))),
      without: String(med(b.map((r) => r.failingRequests))),
      target: "info",
      result: "",
    })
  }
  return rows
}

export function memoryRows(m: MemoryResult): Row[] {
  const g = m.after.gate
  const zero = m.after.runtimeSessions === 0 && m.after.runtimeTimers === 0 && g.sessions === 0 && g.queued === 0 && g.reservations === 0 && g.inFlight === 0 && g.recentKeys === 0
  return [
    {
      measurement: `c. heap growth after ${fmtInt(m.sessions)} failed, then deleted sessions (Bun.gc(true))`,
      plugin: `${fmtBytes(m.deltaBytes)} (${fmtBytes(m.baselineBytes)} → ${fmtBytes(m.afterBytes)})`,
      without: "—",
      target: "≤ 2 MiB",
      result: passFail(Math.abs(m.deltaBytes) <= TARGETS.heapBytes),
    },
    {
      measurement: "c. after the churn: runtime sessions / timers; gate sessions / queued / reserved / in flight / dedupe keys",
      plugin: `${m.after.runtimeSessions} / ${m.after.runtimeTimers}; ${g.sessions} / ${g.queued} / ${g.reservations} / ${g.inFlight} / ${g.recentKeys}`,
      without: "—",
      target: "all 0",
      result: passFail(zero),
    },
    {
      measurement: "c. churn check: fallbacks sent / aborts / answered on backup / peak tracked",
      plugin: `${fmtInt(m.dispatches)} / ${fmtInt(m.aborts)} / ${fmtInt(m.answeredOnBackup)} / ${m.peakTracked}`,
      without: "—",
      target: `${fmtInt(m.sessions)} / ${fmtInt(m.sessions / 2)} / ${fmtInt(m.sessions)}`,
      result: passFail(m.dispatches === m.sessions && m.answeredOnBackup === m.sessions),
    },
  ]
}

export function classifyRows(c: ClassifyResult): Row[] {
  const f = c.forms
  const us = (x: number) => `${x.toFixed(2)} µs`
  return [
    {
      measurement: `d. classifyFailure per call, ${c.rows} dev corpus rows × 2 forms: median (p90)`,
      plugin: `${us(f.both.medianUs)} (p90 ${us(f.both.p90Us)})`,
      without: "—",
      target: `median < ${TARGETS.classifyUs} µs`,
      result: passFail(f.both.medianUs < TARGETS.classifyUs),
    },
    {
      measurement: `d. same, ${c.large.inputs} large inputs (1 MB string, JSON body, HTML page; 20 000 keys; 5 000 levels): median (max)`,
      plugin: `${us(c.large.medianUs)} (max ${us(c.large.maxUs)})`,
      without: "—",
      target: `median < ${TARGETS.classifyUs} µs`,
      result: passFail(c.large.medianUs < TARGETS.classifyUs),
    },
    {
      measurement: "d. same, APIError form / bare string form: median (p90)",
      plugin: `${us(f.apiError.medianUs)} (${us(f.apiError.p90Us)}) / ${us(f.bareString.medianUs)} (${us(f.bareString.p90Us)})`,
      without: "—",
      target: "info",
      result: "",
    },
  ]
}

export function allRows(r: Results): Row[] {
  return [
    ...(r.overhead ? overheadRows(r.overhead) : []),
    ...(r.recovery ? recoveryRows(r.recovery) : []),
    ...(r.hops ? hopRows(r.hops) : []),
    ...(r.memory ? memoryRows(r.memory) : []),
    ...(r.classify ? classifyRows(r.classify) : []),
  ]
}

const HEAD: Row = { measurement: "measurement", plugin: "with the plugin", without: "without (bare host / empty hook)", target: "target", result: "result" }

export function markdownTable(rows: Row[]): string {
  const cols = ["measurement", "plugin", "without", "target", "result"] as const
  const esc = (s: string) => s.replaceAll("|", "\\|")
  const width = cols.map((c) => Math.max(HEAD[c].length, ...rows.map((r) => esc(r[c]).length)))
  const line = (r: Row) => `| ${cols.map((c, i) => esc(r[c]).padEnd(width[i]!)).join(" | ")} |`
  return [line(HEAD), `| ${width.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n")
}

export function runDetails(rec: RecoveryResult): string {
  const head = "| setup | scenario | run | failing model | answered by | prompt → answer | prompt → final error | failure → fallback request | requests: failing / backup | note |"
  const sep = "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  const lines = rec.results.map(
    (r) =>
      `| ${r.setup} | ${r.scenario} | ${r.run} | ${r.failingModel} | ${r.answerModel ?? "—"} | ${fmtMs(r.promptToAnswerMs)} | ${fmtMs(r.promptToFinalErrorMs)} | ${fmtMs(r.failureToFallbackMs)} | ${r.failingRequests} / ${r.fallbackRequests} | ${r.problem ? r.problem.replaceAll("|", "/") : ""} |`,
  )
  return [head, sep, ...lines].join("\n")
}
