// The plugin as the in-process benchmarks drive it: the real createInstance (through the test helper that also
// captures its prompt gate), a fake host client, a manual clock, an injected health registry (nothing is
// written to disk) and a config with a fallback chain.
import { configSchema, type RuntimeFallbackConfigInput } from "../../src/config/schema.ts"
import { createModelHealth } from "../../src/fallback/health.ts"
import { createManualClock, type ManualClock } from "../../src/host/clock.ts"
import { createFakeHostClient, createPluginUnderTest, type FakeHostClient, type PluginUnderTest } from "../../test/support/fake-host.ts"

export const PRIMARY = { providerID: "fake", modelID: "credits-model" }
export const BACKUP = "fake/backup-model"

export function benchConfig(extra: RuntimeFallbackConfigInput = {}) {
  // Every bench model shares the provider id "fake": a 402 cools only its model, or the chain would be spent.
  return configSchema.parse({ chains: { default: [BACKUP, "fake/ok-model"] }, ...extra, cooldown: { scope: { payment_required: "model" }, ...(extra.cooldown ?? {}) } })
}

export type BenchPlugin = PluginUnderTest & { clock: ManualClock; fake: FakeHostClient; counts: { replays: number; restores: number } }

export function benchPlugin(extra: RuntimeFallbackConfigInput = {}): BenchPlugin {
  const clock = createManualClock()
  const fake = createFakeHostClient({ clock, keepCalls: "none" })
  // Re-dispatches and model restores (a noReply prompt) both use promptAsync: count them apart.
  const counts = { replays: 0, restores: 0 }
  fake.onCall = (c) => {
    if (c.method !== "promptAsync") return
    if ((c.args as { body?: { noReply?: unknown } }).body?.noReply === true) counts.restores++
    else counts.replays++
  }
  const config = benchConfig(extra)
  const health = createModelHealth(config.cooldown)
  const p = createPluginUnderTest({ client: fake.client, clock, config, health, random: () => 0.5, mode: "serve" })
  return { ...p, clock, fake, counts }
}
