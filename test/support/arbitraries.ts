// fast-check arbitraries shared by the property tests: arbitrary JSON, and mutations of real payloads
// (recorded host events and corpus bodies) that keep them "almost right", where parsers break.
import fc from "fast-check"

export const anyJson = fc.jsonValue({ maxDepth: 6 })

export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  anyJson,
  fc.string(),
  fc.constantFrom(undefined, null, NaN, Infinity, -0, 0, "", "{", "[", '"', "{'a': ", "\u0000"),
  fc.object({ maxDepth: 4 }),
  fc.anything({ maxDepth: 4 }),
)

/** Replaces a random node of `value` by an arbitrary value (or deletes it). */
export function mutate(value: unknown): fc.Arbitrary<unknown> {
  const paths: Array<Array<string | number>> = []
  const walk = (v: unknown, path: Array<string | number>, depth: number) => {
    paths.push(path)
    if (depth > 6 || !v || typeof v !== "object") return
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], depth + 1))
    else for (const [k, x] of Object.entries(v)) walk(x, [...path, k], depth + 1)
  }
  walk(value, [], 0)
  return fc.tuple(fc.nat({ max: paths.length - 1 }), anyValue, fc.boolean()).map(([i, replacement, remove]) => {
    const copy = structuredClone(value) as any
    const path = paths[i]!
    if (path.length === 0) return replacement
    let node = copy
    for (const seg of path.slice(0, -1)) node = node[seg]
    const last = path[path.length - 1]!
    if (remove && !Array.isArray(node)) delete node[last]
    else node[last] = replacement
    return copy
  })
}

/** Cuts, duplicates or re-encodes a string (truncated JSON, double-encoding, stray quotes). */
export function mutateText(text: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
    fc.nat({ max: text.length }).map((n) => text.slice(n)),
    fc.constant(JSON.stringify(text)),
    fc.constant(JSON.stringify(JSON.stringify(text))),
    fc.tuple(fc.nat({ max: text.length }), fc.string()).map(([n, s]) => text.slice(0, n) + s + text.slice(n)),
    fc.constant(text.replace(/"/g, "'")),
  )
}
