// Generated documentation of the config: schema.json (JSON Schema for editors) and the README's config
// reference table, both derived from the zod schema in src/config/schema.ts, the single source of truth.
// script/schema.ts writes them; test/unit/cli.test.ts checks the README block is current.
import { z } from "zod"
import { configSchema } from "../config/schema.ts"

export const SCHEMA_ID = "https://unpkg.com/opencode-turn-fallback/schema.json"
export const REFERENCE_START = "<!-- config-reference:start -->"
export const REFERENCE_END = "<!-- config-reference:end -->"

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type JsonObject = { [k: string]: Json }

/** The JSON Schema (input side: defaults are optional) with `$id` first and zod's integer bounds tidied. */
export function buildJsonSchema(): JsonObject {
  const raw = z.toJSONSchema(configSchema, { io: "input" }) as unknown as JsonObject
  const { $schema, title, description, ...rest } = raw
  return tidy({ $schema: $schema ?? null, $id: SCHEMA_ID, title: title ?? null, description: description ?? null, ...rest }) as JsonObject
}

/** schema.json as committed: two-space indent, trailing newline. */
export function renderJsonSchema(): string {
  return JSON.stringify(buildJsonSchema(), null, 2) + "\n"
}

// z.int() adds ±MAX_SAFE_INTEGER bounds that say nothing to a reader; drop them.
function tidy(v: Json): Json {
  if (Array.isArray(v)) return v.map(tidy)
  if (v === null || typeof v !== "object") return v
  const out: JsonObject = {}
  for (const [k, x] of Object.entries(v)) {
    if (x === null && (k === "title" || k === "description" || k === "$schema")) continue
    if (k === "maximum" && x === Number.MAX_SAFE_INTEGER) continue
    if (k === "minimum" && x === Number.MIN_SAFE_INTEGER) continue
    out[k] = tidy(x)
  }
  return out
}

export type ReferenceRow = { path: string; type: string; default: string; meaning: string }

/** One row per key, depth first in schema order; containers (objects, records, arrays of objects) included. */
export function referenceRows(schema: JsonObject = buildJsonSchema()): ReferenceRow[] {
  const rows: ReferenceRow[] = []
  walkProperties(schema, "", rows)
  return rows
}

function walkProperties(node: JsonObject, prefix: string, rows: ReferenceRow[]): void {
  const props = asObject(node.properties)
  if (!props) return
  for (const [key, child] of Object.entries(props)) {
    const c = asObject(child)
    if (!c || key === "$schema") continue
    walkNode(c, prefix ? `${prefix}.${key}` : key, rows)
  }
}

function walkNode(node: JsonObject, path: string, rows: ReferenceRow[]): void {
  rows.push({ path, type: typeName(node, true), default: defaultOf(node), meaning: meaningOf(node) })
  if (asObject(node.properties)) return walkProperties(node, path, rows)
  const extra = asObject(node.additionalProperties)
  if (extra) {
    const keyName = placeholderKey(node)
    return walkNode(extra, `${path}.${keyName}`, rows)
  }
  const items = asObject(node.items)
  if (items && asObject(items.properties)) walkProperties(items, `${path}[]`, rows)
}

function placeholderKey(node: JsonObject): string {
  const names = asObject(node.propertyNames)
  const d = typeof names?.description === "string" ? names.description : ""
  if (/provider\/model/.test(d) || typeof names?.pattern === "string") return "<provider/model>"
  return "<name>"
}

function typeName(node: JsonObject, top = false): string {
  if (Array.isArray(node.anyOf)) return node.anyOf.map((n) => typeName(asObject(n) ?? {})).join(" | ")
  if (Array.isArray(node.enum)) return top ? "string (enum)" : node.enum.map((e) => JSON.stringify(e)).join(" | ")
  switch (node.type) {
    case "array": {
      const inner = typeName(asObject(node.items) ?? {})
      return inner.includes(" ") ? `(${inner})[]` : `${inner}[]`
    }
    case "object": {
      const props = asObject(node.properties)
      if (props && !top) {
        const required = new Set(Array.isArray(node.required) ? node.required.map(String) : [])
        return `{ ${Object.keys(props).map((k) => (required.has(k) ? k : `${k}?`)).join(", ")} }`
      }
      return props || !asObject(node.additionalProperties) ? "object" : "map"
    }
    case "string":
      return "string"
    case "integer":
      return "integer"
    case "number":
      return "number"
    case "boolean":
      return "boolean"
    default:
      return "any"
  }
}

function defaultOf(node: JsonObject): string {
  if (!("default" in node)) return ""
  const d = node.default
  // Sections default to {} and are filled key by key: their own default says nothing.
  if (d && typeof d === "object" && !Array.isArray(d) && Object.keys(d).length === 0) return ""
  return "`" + JSON.stringify(d) + "`"
}

function meaningOf(node: JsonObject): string {
  const parts: string[] = []
  if (typeof node.description === "string") parts.push(node.description)
  if (Array.isArray(node.enum)) parts.push(`One of: ${node.enum.map((e) => "`" + String(e) + "`").join(", ")}.`)
  const min = typeof node.minimum === "number" ? node.minimum : undefined
  const max = typeof node.maximum === "number" ? node.maximum : undefined
  if (min !== undefined && max !== undefined) parts.push(`Range ${min}–${max}.`)
  else if (min !== undefined) parts.push(`At least ${min}.`)
  else if (max !== undefined) parts.push(`At most ${max}.`)
  return parts.join(" ")
}

function asObject(v: Json | undefined): JsonObject | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? v : undefined
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")
}

/** The Markdown table (no markers), ending in a newline. */
export function renderReferenceTable(rows: readonly ReferenceRow[] = referenceRows()): string {
  const lines = ["| Key | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
  for (const r of rows) lines.push(`| \`${cell(r.path)}\` | ${r.type ? "`" + cell(r.type) + "`" : ""} | ${cell(r.default)} | ${cell(r.meaning)} |`)
  return lines.join("\n") + "\n"
}

/** The whole generated block, markers included. */
export function renderReferenceBlock(): string {
  return `${REFERENCE_START}\n<!-- Generated by \`npm run schema\` from src/config/schema.ts; do not edit by hand. -->\n\n${renderReferenceTable()}\n${REFERENCE_END}`
}

/** The README text with its reference block replaced, or undefined when it has no (well-ordered) markers. */
export function replaceReferenceBlock(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START)
  const end = readme.indexOf(REFERENCE_END)
  if (start < 0 || end < 0 || end < start) return undefined
  return readme.slice(0, start) + renderReferenceBlock() + readme.slice(end + REFERENCE_END.length)
}

/** The block currently in the README (markers included), or undefined. */
export function currentReferenceBlock(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START)
  const end = readme.indexOf(REFERENCE_END)
  if (start < 0 || end < 0 || end < start) return undefined
  return readme.slice(start, end + REFERENCE_END.length)
}
