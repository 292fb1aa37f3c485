// A parent gets its delegated child's final result, not the child's failure.
//
// Measured on opencode 1.18.33: the `task` tool awaits the child's turn. When the child's model fails (402,
// or our abort of the host's retry of a 429), the task tool part in the parent ends as `error` ("Subagent
// failed (task_id: …): …" or "Task cancelled"), `tool.execute.after` is not called, and the parent's loop goes
// on to its next model call. Before that call the host runs `experimental.chat.messages.transform`, and it
// awaits the hook. So: while the child recovers on its fallback model, the parent's transform waits for the
// child's answer (event-driven, bounded by `subagents.resultTimeoutMs`) and rewrites the errored task part, in
// place, into a completed one carrying that answer, and stores the rewritten part through the host's part
// update route, so the parent's history shows the recovered result too. The parent's model never sees the
// failure. When the child fails for good, the part's error text names every model tried. Rewrites are also
// remembered by part id and re-applied on later calls, in case the stored update was not possible.
import { formatWait } from "../failure/classify.ts"
import type { Failure } from "../failure/types.ts"
import type { SessionEvent } from "../payload/event.ts"
import { describeModel, type ModelRef } from "../payload/model.ts"
import { reasonText } from "../notices/text.ts"
import type { Clock } from "../host/clock.ts"
import type { HostClient, PartUpdater } from "../host/client.ts"
import type { Logger } from "../host/logger.ts"
import { waitForSessionResult, type SessionResult } from "./watcher.ts"

export type ChildStatus = {
  /** a fallback for the child's turn is in flight, pending, or still running on the fallback model */
  recovering: boolean
  outcome?: "answered" | "exhausted" | "stopped" | "cancelled" | "deleted"
  tried: Array<{ model: ModelRef; code: Failure["code"]; statusCode?: number }>
  /** when the child's current turn started (epoch ms) */
  since?: number
}

export type DelegationDeps = {
  client: Pick<HostClient, "session">
  clock: Clock
  logger: Logger
  timeoutMs: number
  directory?: string
  /** the child's status, if the runtime handled a failure in it */
  childStatus(sessionID: string): ChildStatus | undefined
  subscribe(sessionID: string, listener: (event: SessionEvent) => void): () => void
  /** stores a rewritten part in the host (see host/client.ts partUpdater) */
  updatePart?: PartUpdater
  /**
   * The host shows a child's failure as a *completed* task part with an empty result (host facts
   * `subagentFailed`/`subagentAborted` = "completed:empty", opencode up to 1.18.19): such parts are candidates too.
   */
  emptyResultMayBeFailure?: boolean
}

type ToolState = { status?: string; input?: unknown; output?: string; error?: string; title?: string; metadata?: Record<string, unknown>; time?: { start?: number; end?: number } }
type TaskPart = { id?: string; sessionID?: string; messageID?: string; type?: string; tool?: string; state?: ToolState; metadata?: Record<string, unknown> }

const MAX_REMEMBERED = 500

/** A completed task part whose result says nothing: `<task_result>` with only whitespace in it, or no output. */
export function emptyTaskResult(state: { status?: string; output?: string }): boolean {
  if (state.status !== "completed") return false
  const out = state.output ?? ""
  const m = /<task_result>([\s\S]*?)<\/task_result>/.exec(out)
  return (m ? m[1]! : out).trim().length === 0
}

export function formatTaskOutput(childID: string, text: string): string {
  return `<task id="${childID}" state="completed">\n<task_result>\n${text}\n</task_result>\n</task>`
}

export function createDelegation(d: DelegationDeps) {
  const rewritten = new Map<string, ToolState>()
  const waits = new Map<string, Promise<SessionResult>>()

  const childOf = (part: TaskPart): string | undefined => {
    const id = part.state?.metadata?.sessionId ?? part.metadata?.sessionId
    return typeof id === "string" ? id : undefined
  }

  const triedText = (s: ChildStatus | undefined) => (s?.tried.length ? s.tried.map((t) => `${describeModel(t.model)} (${reasonText(t.code)}${t.statusCode ? " " + t.statusCode : ""})`).join(", ") : "")

  function waitFor(childID: string, status: ChildStatus): Promise<SessionResult> {
    let w = waits.get(childID)
    if (!w) {
      w = waitForSessionResult(d.client, childID, {
        timeoutMs: d.timeoutMs,
        clock: d.clock,
        since: status.since,
        directory: d.directory,
        fallbackPending: () => d.childStatus(childID)?.recovering ?? false,
        subscribe: (listener) => d.subscribe(childID, listener),
      }).finally(() => waits.delete(childID))
      waits.set(childID, w)
    }
    return w
  }

  function resultState(childID: string, state: ToolState, result: SessionResult): ToolState | undefined {
    const now = d.clock.now()
    const status = d.childStatus(childID)
    switch (result.status) {
      case "completed":
        return {
          ...state,
          status: "completed",
          output: formatTaskOutput(childID, result.text),
          error: undefined,
          title: state.title ?? "Subagent",
          metadata: { ...(state.metadata ?? {}), runtimeFallback: { recovered: true, model: result.model ? describeModel(result.model) : undefined } },
          time: { start: state.time?.start ?? now, end: now },
        }
      case "failed": {
        const tried = triedText(status)
        return failedState(childID, state, `Subagent failed (task_id: ${childID}): no model could answer.${tried ? ` Tried: ${tried}.` : ""} Last error: ${result.failure.message}`)
      }
      case "timeout": {
        const tried = triedText(status)
        return failedState(childID, state, `Subagent failed (task_id: ${childID}): it did not finish within ${formatWait(d.timeoutMs)} after its model failed.${tried ? ` Tried: ${tried}.` : ""}`)
      }
      case "cancelled":
        return undefined
    }
  }

  /** An errored part keeps its status with our error; a completed, empty one (older hosts) says it in its result. */
  function failedState(childID: string, state: ToolState, text: string): ToolState {
    return state.status === "completed" ? { ...state, output: formatTaskOutput(childID, text) } : { ...state, error: text }
  }

  async function store(part: TaskPart) {
    if (!d.updatePart || !part.id || !part.sessionID || !part.messageID) return
    const state = Object.fromEntries(Object.entries(part.state ?? {}).filter(([, v]) => v !== undefined))
    try {
      const ok = await d.updatePart({ ...(part as Record<string, unknown>), id: part.id, sessionID: part.sessionID, messageID: part.messageID, state }, d.directory)
      if (!ok) d.logger.log("debug", `could not store the rewritten task part ${part.id}; it is rewritten per request instead`)
    } catch (err) {
      d.logger.errorOnce("part-update", "storing a rewritten task part failed", err)
    }
  }

  return {
    /** True when some child's failure was handled: only then is a transform worth scanning. */
    active(): boolean {
      return rewritten.size > 0 || waits.size > 0
    },
    /** Rewrites, in place, errored task parts whose child the plugin recovered or gave up on. */
    /**
     * `parentID` is the session whose request is being built: if it is aborted or goes idle meanwhile (the user
     * pressed escape), the wait ends at once and its parts stay as they are.
     */
    async transform(messages: unknown[], anyChildHandled: boolean, parentID?: string): Promise<void> {
      if (!anyChildHandled && rewritten.size === 0) return
      const pending: Array<Promise<void>> = []
      let stopWatchingParent = () => {}
      const parentGone = new Promise<SessionResult>((resolve) => {
        if (!parentID) return
        stopWatchingParent = d.subscribe(parentID, (ev) => {
          if (ev.kind === "idle" || ev.kind === "error") resolve({ status: "cancelled" })
        })
      })
      for (const m of messages) {
        const parts = (m as { parts?: unknown })?.parts
        if (!Array.isArray(parts)) continue
        for (const raw of parts) {
          const part = raw as TaskPart
          if (part?.type !== "tool" || part.tool !== "task" || !part.state || !(part.state.status === "error" || (d.emptyResultMayBeFailure && emptyTaskResult(part.state)))) continue
          const known = part.id ? rewritten.get(part.id) : undefined
          if (known) {
            part.state = { ...known }
            continue
          }
          const childID = childOf(part)
          const status = childID ? d.childStatus(childID) : undefined
          if (!childID || !status || status.outcome === "cancelled" || status.outcome === "stopped" || status.outcome === "deleted") continue
          const original = part.state
          pending.push(
            Promise.race([waitFor(childID, status), parentGone]).then((result) => {
              const next = resultState(childID, original, result)
              if (!next) return
              part.state = next
              if (part.id) {
                if (rewritten.size >= MAX_REMEMBERED) rewritten.delete(rewritten.keys().next().value!)
                rewritten.set(part.id, next)
              }
              d.logger.log("info", `task result of ${childID} delivered to its parent (${result.status})`)
              return store(part)
            }),
          )
        }
      }
      if (pending.length) {
        try {
          await Promise.all(pending)
        } finally {
          stopWatchingParent()
        }
      } else stopWatchingParent()
    },
    dispose() {
      rewritten.clear()
    },
  }
}
