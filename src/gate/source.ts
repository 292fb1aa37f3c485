// Owner labels: a `source` is `<prefix>:<id>` (split at the last ":"); a `sourcePrefix` ends with ":" so that
// "runtime" can never match "runtime-fallback:...".
import type { OwnerSelector } from "./types.ts"

/** True for a string with a ":" that has non-blank text on both sides of the last one. */
export function isValidSource(source: unknown): source is string {
  if (typeof source !== "string") return false
  const at = source.lastIndexOf(":")
  if (at <= 0 || at === source.length - 1) return false
  return source.slice(0, at).trim() !== "" && source.slice(at + 1).trim() !== ""
}

/** Throws TypeError unless `prefix` is a non-empty string ending with ":" and something before it. */
export function assertSourcePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string" || !prefix.endsWith(":") || prefix.slice(0, -1).trim() === "") {
    throw new TypeError(
      `prompt gate: sourcePrefix must be a non-empty owner prefix ending with ":" (e.g. "runtime-fallback:"), got ${JSON.stringify(prefix)}`,
    )
  }
}

/**
 * Builds a matcher for an owner selector. Both fields given: both must match. Neither given: matches every
 * source when `allowEmpty`, otherwise throws TypeError. A `sourcePrefix` is validated with `assertSourcePrefix`.
 */
export function ownerMatcher(selector: OwnerSelector | undefined, allowEmpty: boolean): (source: string) => boolean {
  if (selector !== undefined && (typeof selector !== "object" || selector === null)) {
    throw new TypeError(`prompt gate: an owner selector must be an object, got ${selector === null ? "null" : typeof selector}`)
  }
  const source = selector?.source
  const prefix = selector?.sourcePrefix
  if (prefix !== undefined) assertSourcePrefix(prefix)
  if (source !== undefined && typeof source !== "string") {
    throw new TypeError(`prompt gate: source must be a string, got ${typeof source}`)
  }
  if (source === undefined && prefix === undefined && !allowEmpty) {
    throw new TypeError("prompt gate: an owner selector needs `source` or `sourcePrefix`")
  }
  return (candidate) => (source === undefined || candidate === source) && (prefix === undefined || candidate.startsWith(prefix))
}
