// Hybrid logical clock: the order of health records written by several processes. A stamp is
// (at, seq, node): `at` is the largest wall time this process has read or seen in another process's record,
// `seq` orders records within one millisecond, `node` breaks the last tie. Stamps never go backwards when
// the wall clock steps back, and a record made after reading another process's record always sorts after it.
// Pure: the wall time comes in as an argument.

export type Stamp = { at: number; seq: number; node: string }

export type Hlc = {
  /** A stamp later than every stamp made or observed so far. */
  tick(now: number): Stamp
  /** Takes a stamp read from another process into account (ignored when further ahead than `maxSkewMs`). */
  observe(stamp: Stamp, now: number): void
  readonly node: string
}

/** A remote stamp this far ahead of our wall clock is treated as damaged rather than followed. */
export const DEFAULT_MAX_SKEW_MS = 24 * 3_600_000

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1
  return a.node < b.node ? -1 : a.node > b.node ? 1 : 0
}

export function createHlc(node: string, maxSkewMs = DEFAULT_MAX_SKEW_MS): Hlc {
  let last: Stamp = { at: -Infinity, seq: 0, node }
  const finite = (n: number) => (Number.isFinite(n) ? n : 0)
  return {
    node,
    tick(now) {
      const wall = finite(now)
      last = wall > last.at ? { at: wall, seq: 0, node } : { at: last.at, seq: last.seq + 1, node }
      return last
    },
    observe(stamp, now) {
      if (!Number.isFinite(stamp.at) || !Number.isFinite(stamp.seq) || stamp.at > finite(now) + maxSkewMs) return
      if (stamp.at > last.at || (stamp.at === last.at && stamp.seq > last.seq)) last = { at: stamp.at, seq: stamp.seq, node }
    },
  }
}

/** A process-unique writer id: pid plus a random suffix (pids are reused). */
export function nodeId(pid = process.pid, random: () => number = Math.random): string {
  return `${pid}-${Math.floor(random() * 36 ** 6).toString(36).padStart(6, "0")}`
}
