// The notices shown lately, kept so they can be found again after their toast faded (the status command,
// `doctor`, logs). Bounded: a few per session, a few sessions.
import type { Notice } from "../notices/types.ts"

export type LoggedNotice = { sessionID: string; notice: Notice; text: string; at: number }

const PER_SESSION = 8
const SESSIONS = 64

export type NoticeLog = {
  add(sessionID: string, notice: Notice, text: string, at: number): void
  /** newest last */
  of(sessionID: string): LoggedNotice[]
  latest(): LoggedNotice[]
}

export function createNoticeLog(): NoticeLog {
  const bySession = new Map<string, LoggedNotice[]>()
  return {
    add(sessionID, notice, text, at) {
      let list = bySession.get(sessionID)
      if (list) bySession.delete(sessionID)
      else list = []
      list.push({ sessionID, notice, text, at })
      if (list.length > PER_SESSION) list.splice(0, list.length - PER_SESSION)
      bySession.set(sessionID, list)
      while (bySession.size > SESSIONS) bySession.delete(bySession.keys().next().value!)
    },
    of: (sessionID) => [...(bySession.get(sessionID) ?? [])],
    latest() {
      const all: LoggedNotice[] = []
      for (const list of bySession.values()) all.push(...list)
      return all.sort((a, b) => a.at - b.at)
    },
  }
}
