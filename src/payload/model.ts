// Model references arrive as `{providerID, modelID}` objects, as "provider/model" strings, or as top-level
// `providerID`/`modelID` on assistant messages. The variant (reasoning effort preset) travels separately.

export type ModelRef = { providerID: string; modelID: string }
export type ModelChoice = ModelRef & { variant?: string }

/** "provider/model" → ModelRef. The model id may itself contain "/" (OpenRouter style). */
export function parseModelString(s: string): ModelRef | undefined {
  if (typeof s !== "string") return undefined
  const t = s.trim()
  const i = t.indexOf("/")
  if (i <= 0 || i === t.length - 1) return undefined
  return { providerID: t.slice(0, i), modelID: t.slice(i + 1) }
}

export function modelRef(value: unknown): ModelRef | undefined {
  if (typeof value === "string") return parseModelString(value)
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>
    const p = o.providerID ?? o.providerId ?? o.provider
    const m = o.modelID ?? o.modelId ?? o.id ?? o.model
    if (typeof p === "string" && p && typeof m === "string" && m) return { providerID: p, modelID: m }
    if (typeof m === "string" && !p) return parseModelString(m)
  }
  return undefined
}

export function modelKey(m: ModelRef | undefined): string {
  return m ? `${m.providerID}/${m.modelID}` : ""
}

export function sameModel(a: ModelRef | undefined, b: ModelRef | undefined): boolean {
  return !!a && !!b && a.providerID === b.providerID && a.modelID === b.modelID
}

/** Display form: "provider/model" or "provider/model (variant)". */
export function describeModel(m: ModelChoice | ModelRef | undefined): string {
  if (!m) return "unknown model"
  const v = (m as ModelChoice).variant
  return v ? `${modelKey(m)} (${v})` : modelKey(m)
}
