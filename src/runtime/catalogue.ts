// What the host knows about each model (context window, attachments, tool calls), for the core's
// capability checks. Two sources: the merged config the `config` hook hands over at start-up (free; only the
// models the user declared), and the host's resolved catalogue, `GET /config/providers`, fetched once in the
// background after start-up (one host call per plugin instance, never per turn) and again, at most once a
// minute, after a fetch that failed. Until it arrives the config's declarations answer, and a model nothing is
// known about is never ruled out.
import type { ModelCaps } from "../fallback/capability.ts"
import type { Clock } from "../host/clock.ts"
import { sdkFailed, type SdkResult } from "../host/client.ts"
import type { Logger } from "../host/logger.ts"
import { capsFromConfig, capsFromProviders } from "../payload/capabilities.ts"
import { modelKey, type ModelRef } from "../payload/model.ts"

export type ProvidersClient = { config?: { providers?(args?: { query?: { directory?: string } }): Promise<SdkResult<unknown>> } }

export type Catalogue = {
  caps(model: ModelRef): ModelCaps | undefined
  /** the merged config from the `config` hook */
  fromConfig(config: unknown): void
  /** fetch the host's catalogue unless one is loaded or a fetch is in flight (a failed one is retried after a minute) */
  load(): void
  /** models known from the host's catalogue (0 until it arrived) */
  readonly size: number
}

const RETRY_MS = 60_000

export function createCatalogue(d: { client: ProvidersClient; clock: Clock; logger: Logger; directory?: string }): Catalogue {
  let declared = new Map<string, ModelCaps>()
  let catalogue = new Map<string, ModelCaps>()
  let state: "idle" | "loading" | "loaded" = "idle"
  let failedAt = -Infinity
  return {
    caps: (m) => catalogue.get(modelKey(m)) ?? declared.get(modelKey(m)),
    fromConfig(config) {
      declared = capsFromConfig(config)
    },
    load() {
      if (state !== "idle" || d.clock.now() - failedAt < RETRY_MS) return
      const providers = d.client.config?.providers
      if (typeof providers !== "function") return
      state = "loading"
      const fail = (why: unknown) => {
        state = "idle"
        failedAt = d.clock.now()
        d.logger.log("debug", `model metadata not available: ${why instanceof Error ? why.message : String(why)}`)
      }
      try {
        Promise.resolve(providers.call(d.client.config, d.directory ? { query: { directory: d.directory } } : undefined))
          .then((r) => {
            if (sdkFailed(r) || !r || typeof r !== "object") return fail("the host refused GET /config/providers")
            catalogue = capsFromProviders((r as { data?: unknown }).data)
            state = "loaded"
          })
          .catch(fail)
      } catch (err) {
        fail(err)
      }
    },
    get size() {
      return catalogue.size
    },
  }
}
