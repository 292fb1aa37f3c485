// Ids for records the plugin adds to the host's history (a text part naming the models an exhausted turn
// tried). The host orders parts by id, and its own ids are `<prefix>_` + 12 hex digits of a millisecond
// timestamp with a counter + 14 random characters (seen on 1.18.33, e.g. prt_22f438062001pGFtmlxS46CL66), so an
// id made the same way from the current time sorts after the parts already written.
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

let lastMs = 0
let counter = 0

export function ascendingID(prefix: "prt" | "msg", now: number, random: () => number = Math.random): string {
  const ms = Math.max(0, Math.floor(now))
  if (ms !== lastMs) {
    lastMs = ms
    counter = 0
  }
  counter = (counter + 1) % 0x1000
  const head = (BigInt(ms) * 0x1000n + BigInt(counter)).toString(16).padStart(12, "0").slice(-12)
  let tail = ""
  for (let i = 0; i < 14; i++) tail += ALPHABET[Math.floor(random() * ALPHABET.length) % ALPHABET.length]
  return `${prefix}_${head}${tail}`
}
