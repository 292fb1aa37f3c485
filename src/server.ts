// The plugin module the host loads (exports["./server"]). The host refuses a module with any named export
// besides plugins, so this file has exactly one export: the default `{ id, server }`.
import type { Hooks, PluginInput, PluginModule } from "@opencode-ai/plugin"
import { createInstance } from "./plugin/create.ts"

async function server(input: PluginInput, options?: Record<string, unknown>): Promise<Hooks> {
  try {
    return createInstance(input, options).hooks
  } catch (err) {
    // Never take the host down: a plugin that cannot start stays out of the way.
    try {
      console.error(`runtime-fallback: failed to start: ${err instanceof Error ? err.message : String(err)}`)
    } catch {}
    return {}
  }
}

const plugin: PluginModule & { id: string } = { id: "opencode-turn-fallback", server }
export default plugin
