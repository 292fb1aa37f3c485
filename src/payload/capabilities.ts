// The host's model metadata → `ModelCaps` per "provider/model". Two shapes (measured on opencode 1.18.33):
//  - `GET /config/providers` (v1 client `config.providers()`): `{providers: [{id, models: {<id>: {id, limit:
//    {context, input?, output}, capabilities: {attachment, toolcall, input: {text, image, audio, video, pdf}}}}]}`,
//    the catalogue the host resolved (models.dev merged with the user's declarations);
//  - the merged config the `config` hook receives: `provider.<id>.models.<id>: {limit, attachment, tool_call,
//    modalities: {input: [...]}}`, only what the user declared, in config spelling.
// Total: unknown input yields an empty map, never a throw.
import { ATTACHMENT_KINDS, type ModelCaps } from "../fallback/capability.ts"

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined)
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined)

/** At most this many models are kept (a catalogue of every models.dev provider has a few thousand). */
export const MAX_CATALOGUE = 20_000

function limits(v: unknown): Pick<ModelCaps, "context" | "input" | "output"> {
  const l = rec(v)
  return { context: num(l?.context), input: num(l?.input), output: num(l?.output) }
}

function clean(c: ModelCaps): ModelCaps {
  const out: ModelCaps = {}
  for (const [k, v] of Object.entries(c)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

/** `GET /config/providers` (its `data`, or the body itself). */
export function capsFromProviders(body: unknown): Map<string, ModelCaps> {
  const out = new Map<string, ModelCaps>()
  const list = rec(body)?.providers ?? rec(rec(body)?.data)?.providers
  if (!Array.isArray(list)) return out
  for (const p of list) {
    const provider = rec(p)
    const pid = typeof provider?.id === "string" ? provider.id : undefined
    const models = rec(provider?.models)
    if (!pid || !models) continue
    for (const [key, value] of Object.entries(models)) {
      if (out.size >= MAX_CATALOGUE) return out
      const m = rec(value)
      if (!m) continue
      const mid = typeof m.id === "string" && m.id ? m.id : key
      const caps = rec(m.capabilities)
      const input = rec(caps?.input)
      const modalities: ModelCaps["modalities"] = {}
      for (const k of ATTACHMENT_KINDS) {
        const b = bool(input?.[k])
        if (b !== undefined) modalities[k] = b
      }
      out.set(`${pid}/${mid}`, clean({ ...limits(m.limit), attachment: bool(caps?.attachment), toolcall: bool(caps?.toolcall), modalities: Object.keys(modalities).length ? modalities : undefined }))
    }
  }
  return out
}

/** The merged config's `provider` section (the `config` hook): the models the user declared. */
export function capsFromConfig(config: unknown): Map<string, ModelCaps> {
  const out = new Map<string, ModelCaps>()
  const providers = rec(rec(config)?.provider)
  if (!providers) return out
  for (const [pid, p] of Object.entries(providers)) {
    const models = rec(rec(p)?.models)
    if (!models) continue
    for (const [mid, value] of Object.entries(models)) {
      if (out.size >= MAX_CATALOGUE) return out
      const m = rec(value)
      if (!m) continue
      const inputs = rec(m.modalities)?.input
      const modalities: ModelCaps["modalities"] = {}
      if (Array.isArray(inputs)) for (const k of ATTACHMENT_KINDS) modalities[k] = inputs.includes(k)
      out.set(`${pid}/${mid}`, clean({ ...limits(m.limit), attachment: bool(m.attachment), toolcall: bool(m.tool_call), modalities: Array.isArray(inputs) ? modalities : undefined }))
    }
  }
  return out
}
