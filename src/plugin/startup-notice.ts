// A notice found while the plugin starts (an invalid config, an ignored key) has no one to read it yet: the
// host starts the plugin as the TUI connects, and a toast published before the TUI subscribes to events is
// never drawn (seen in the real TUI, tmux 160×45: the TUI drew 2–15 s after the plugin started). So it is shown
// a little later, when a TUI that is starting has drawn, and again at the first prompt if that comes long after
// (a TUI that attached later). Each problem is one line naming the file and the key.
import type { Clock } from "../host/clock.ts"
import type { Logger } from "../host/logger.ts"

/** How long after start the notice is shown: a cold TUI on a loaded machine has drawn by then (measured 2–15 s). */
export const ATTACH_DELAY_MS = 6_000
/** Shown again at the first prompt when the last showing is older than this (the TUI may not have been there). */
export const REMIND_AFTER_MS = 30_000
/** How long the toast stays: the host's own default is 5 s, too short to read several lines. */
export const NOTICE_MS = 15_000

export type StartupNotice = {
  /** The first prompt: show it again if the TUI may have missed it. */
  onPrompt(): void
  dispose(): void
}

export function scheduleStartupNotice(o: { logger: Logger; clock: Clock; title: string; lines: readonly string[]; variant: "error" | "warning" }): StartupNotice {
  let shownAt: number | undefined
  let prompted = false
  const show = () => {
    shownAt = o.clock.now()
    o.logger.toast(o.variant, o.lines.join("\n"), { title: o.title, durationMs: NOTICE_MS })
  }
  const timer = o.clock.setTimeout(() => {
    if (shownAt === undefined) show()
  }, ATTACH_DELAY_MS)
  return {
    onPrompt() {
      if (prompted) return
      prompted = true
      if (shownAt === undefined || o.clock.now() - shownAt >= REMIND_AFTER_MS) {
        o.clock.clearTimeout(timer)
        show()
      }
    },
    dispose() {
      o.clock.clearTimeout(timer)
    },
  }
}
