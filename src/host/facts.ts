// What the running OpenCode 1.x host does, by version, so the core asks questions ("does the host retry this
// 429 itself, and how often?") instead of comparing versions. Pure and total: any input (no version, junk,
// a 1.x newer than the newest measured, a 2.x) yields a complete answer and never throws.
//
// Evidence, named per fact below:
//   probe  script/probe-host.ts on that bare host (no plugin), against the fake provider; re-run it for a new
//          version and extend CHANGES / MEASURED (results of 2026-12-01 in the comments);
//   e2e    the core real-host scenarios of test/e2e/matrix.test.ts on that host (ORF_MATRIX_VERSIONS=<v>);
//   2c     the same scenarios run by an earlier session on older hosts, incl. the 429 retry schedule
//          (project notes, "host versions" addendum, 2026-12-01);
//   bin    the hook's name in that host binary's code (string search).
// A change is placed at the first measured version showing it; "bisected" means the version before it was
// measured too, so the boundary is exact for the registry's releases.
import { compareVersions, formatVersion, parseVersion, type Version } from "./version.ts"

/** How a delegated (task) child that failed or was aborted shows in the parent's task tool part. */
export type TaskOutcome =
  /** part `error`; the parent's model sees "Subagent failed (task_id: …): <the child's error>". */
  | "error:subagent-failed"
  /** part `error`; the parent's model sees "Task cancelled". */
  | "error:task-cancelled"
  /** part `completed` with an empty task result: nothing marks it as failed, the parent just sees no answer. */
  | "completed:empty"

export type HookName =
  | "event"
  | "chat.message"
  | "chat.params"
  | "chat.headers"
  | "tool.execute.before"
  | "tool.execute.after"
  | "experimental.chat.messages.transform"
  | "experimental.chat.system.transform"
  | "experimental.session.compacting"
  | "experimental.text.complete"
  | "tool.definition"
  | "shell.env"
  | "command.execute.before"
  | "permission.ask"

export type RetryPolicy = {
  /** Host retries of a retryable 429 (quota included) before `session.error`; "unlimited" = until aborted. */
  limit: number | "unlimited"
  /** The delays are randomised (0.25 jitter), so they cannot be predicted to the millisecond. */
  jitter: boolean
}

export type Facts = {
  /** The host retries a retryable 429 itself, publishing `session.status {type:"retry"}` before each try. */
  retry429: RetryPolicy
  /** The host also retries when the error text matches its retry pattern although the error says it is not retryable. */
  retriesOnMessageText: boolean
  /** The retry status type has an optional `action` field (absent for the plain 429s measured). */
  retryStatusHasAction: boolean
  /** A prompt sent to a busy session is queued, then silently dropped when the running turn is aborted (or fails). */
  busyPromptDropped: boolean
  /** After a replay (`promptAsync` with the user's `messageID` and another model), a prompt without a model goes to that model. */
  replayPersistsModel: boolean
  /** The parent's task part when the child's turn fails (a 402, no host retry) … */
  subagentFailed: TaskOutcome
  /** … and when the child is aborted (what the plugin does to stop the host retrying a quota 429). */
  subagentAborted: TaskOutcome
  /** An errored task part names its child (`state.metadata.sessionId`); completed parts always do. */
  erroredTaskPartNamesChild: boolean
  /** The task result text: `<task id="…" state="completed"><task_result>…` or `task_id: … <task_result>…`. */
  taskResultFormat: "task-element" | "task-id-line"
  /** `PATCH /session/{id}/message/{id}/part/{id}` exists and stores the part (subagent delivery uses it). */
  partUpdateRoute: boolean
  /** Each directory gets two host instances, each loading the plugin; the plugin's client may reach the other one. */
  pluginLoadedTwice: boolean
  hooks: Readonly<Record<HookName, boolean>>
}

/** Every hook the plugin types declare; `permission.ask` is declared but never called. Evidence: bin 1.1.65 … 1.18.33 (all present, `permission.ask` absent from the code); e2e exercises event, chat.message, chat.params and the transform. */
const HOOKS: Readonly<Record<HookName, boolean>> = {
  event: true,
  "chat.message": true,
  "chat.params": true,
  "chat.headers": true,
  "tool.execute.before": true,
  "tool.execute.after": true,
  "experimental.chat.messages.transform": true,
  "experimental.chat.system.transform": true,
  "experimental.session.compacting": true,
  "experimental.text.complete": true,
  "tool.definition": true,
  "shell.env": true,
  "command.execute.before": true,
  "permission.ask": false,
}

/**
 * The oldest measured host, 1.14.34:
 * - retry429 unlimited, no jitter (+2, +6, +14, +30, +62 s): 2c, 1.14.34 … 1.18.16.
 * - retriesOnMessageText, retryStatusHasAction false: 2c.
 * - busyPromptDropped, replayPersistsModel, partUpdateRoute true: probe, and so on every version measured
 *   (1.14.34, 1.14.41, 1.15.13, 1.17.0, 1.17.11, 1.17.18, 1.17.19, 1.18.11, 1.18.14, 1.18.16, 1.18.17, 1.18.33).
 * - a failed or aborted child: a completed task part, "task_id: <id> (for resuming…)\n\n<task_result>\n\n</task_result>": probe 1.14.34, 1.14.41.
 * - pluginLoadedTwice false: e2e 1.14.34 (the quota, abort and cooldown scenarios pass; one "creating instance").
 */
const OLDEST: Facts = {
  retry429: { limit: "unlimited", jitter: false },
  retriesOnMessageText: false,
  retryStatusHasAction: false,
  busyPromptDropped: true,
  replayPersistsModel: true,
  subagentFailed: "completed:empty",
  subagentAborted: "completed:empty",
  erroredTaskPartNamesChild: false,
  taskResultFormat: "task-id-line",
  partUpdateRoute: true,
  pluginLoadedTwice: false,
  hooks: HOOKS,
}

export type Change = { since: string; facts: Partial<Facts>; evidence: string }

/** Ordered by `since`: the first version with the new behaviour, and how that is known. */
export const CHANGES: readonly Change[] = [
  { since: "1.15.0", facts: { retryStatusHasAction: true }, evidence: "2c: absent in 1.14.x, present from 1.15" },
  {
    since: "1.15.13",
    facts: { taskResultFormat: "task-element" },
    evidence: "probe: 1.14.34, 1.14.41 and 1.15.0 task-id-line, 1.15.13 … 1.18.33 task-element (1.15.3 and 1.15.4 not measured)",
  },
  {
    since: "1.15.13",
    facts: { pluginLoadedTwice: true },
    evidence: "e2e 1.15.13, 1.17.0: \"creating instance\" twice for one directory, the plugin loaded in both; its abort of a quota 429 does not stop the retries, so the quota, cooldown and subagent scenarios hang",
  },
  { since: "1.17.0", facts: { subagentAborted: "error:task-cancelled" }, evidence: "probe: 1.15.13 completed:empty, 1.17.0 … 1.18.33 \"Task cancelled\"" },
  { since: "1.17.11", facts: { pluginLoadedTwice: false }, evidence: "e2e 1.17.11: one instance, the quota, abort and cooldown scenarios pass" },
  {
    since: "1.17.18",
    facts: { erroredTaskPartNamesChild: true },
    evidence: "probe: 1.17.0 and 1.17.11 errored task parts carry no child id (e2e 1.17.11: the parent keeps \"Task cancelled\"); 1.17.18 … 1.18.33 state.metadata.sessionId (1.17.15 ships no linux-x64 binary)",
  },
  { since: "1.18.14", facts: { retriesOnMessageText: true }, evidence: "2c: bisected to 1.18.14" },
  { since: "1.18.17", facts: { retry429: { limit: 5, jitter: true } }, evidence: "2c: bisected, the 5-retry cap with 0.25 jitter arrives in 1.18.17" },
  {
    since: "1.18.20",
    facts: { subagentFailed: "error:subagent-failed" },
    evidence: "probe, bisected: 1.18.19 completed:empty, 1.18.20, 1.18.21, 1.18.23, 1.18.25, 1.18.29, 1.18.33 \"Subagent failed (task_id: …): <message>\"",
  },
]

/** Versions every probe and the e2e scenarios ran on (a change marked "2c" was measured by that earlier survey). */
export const MEASURED: readonly string[] = [
  "1.14.34",
  "1.14.41",
  "1.15.13",
  "1.17.0",
  "1.17.11",
  "1.17.18",
  "1.17.19",
  "1.18.11",
  "1.18.14",
  "1.18.16",
  "1.18.17",
  "1.18.19",
  "1.18.20",
  "1.18.21",
  "1.18.23",
  "1.18.25",
  "1.18.29",
  "1.18.33",
]

export type Match =
  /** This exact version was measured. */
  | "measured"
  /** Between two measured versions: the change points apply (exact where bisected). */
  | "between"
  /** A 1.x newer than the newest measured (e.g. 1.19.x): the newest measured facts; log the note once. */
  | "newer"
  /** Older than the oldest measured, or not 1.x: the nearest measured facts; log the note once. */
  | "outside"
  /** No version known: the newest measured facts; log the note once. */
  | "unknown"

export type HostFacts = Facts & {
  /** The running host's version, normalised, when known. */
  version?: string
  /** The measured version these facts are taken from, or interpolated after. */
  basis: string
  match: Match
  /** Set when the facts are a guess (newer, outside, unknown): one line for the caller to log once. */
  note?: string
}

const v = (s: string): Version => parseVersion(s)!
const OLDEST_V = v(MEASURED[0]!)
const NEWEST_V = v(MEASURED[MEASURED.length - 1]!)

function factsAt(at: Version): Facts {
  let f = OLDEST
  for (const c of CHANGES) if (compareVersions(v(c.since), at) <= 0) f = { ...f, ...c.facts }
  return f
}

/** The facts for a host version (text, e.g. from `readHostVersion`), or for an unknown host. Never throws. */
export function hostFacts(version?: unknown): HostFacts {
  const parsed = parseVersion(version)
  const newest = formatVersion(NEWEST_V)
  if (!parsed) return { ...factsAt(NEWEST_V), basis: newest, match: "unknown", note: `opencode version unknown; assuming the behaviour of opencode ${newest}` }
  const text = formatVersion(parsed)
  if (parsed.major === 1 && compareVersions(parsed, NEWEST_V) > 0)
    return { ...factsAt(NEWEST_V), version: text, basis: newest, match: "newer", note: `opencode ${text} is newer than the newest host measured (${newest}); assuming its behaviour` }
  if (parsed.major !== 1 || compareVersions(parsed, OLDEST_V) < 0) {
    const nearest = compareVersions(parsed, OLDEST_V) < 0 ? OLDEST_V : NEWEST_V
    const basis = formatVersion(nearest)
    return { ...factsAt(nearest), version: text, basis, match: "outside", note: `opencode ${text} is outside the hosts measured (${MEASURED[0]} … ${newest}); assuming the behaviour of ${basis}` }
  }
  if (MEASURED.includes(text)) return { ...factsAt(parsed), version: text, basis: text, match: "measured" }
  const below = MEASURED.map(v).filter((m) => compareVersions(m, parsed) < 0)
  return { ...factsAt(parsed), version: text, basis: formatVersion(below[below.length - 1] ?? OLDEST_V), match: "between" }
}
