// The narrow slice of the host's v1 SDK client that this plugin uses. The real `PluginInput.client` satisfies
// it structurally; tests pass fakes. Calls follow the v1 style `{ path, query, body }` and, like the SDK by
// default, report failures as `{ error }` in the result rather than by throwing (a fake may also throw: callers
// handle both).

export type SdkResult<T = unknown> = { data?: T; error?: unknown; response?: { status?: number } } | undefined | void

export type PromptBody = {
  messageID?: string
  model?: { providerID: string; modelID: string }
  agent?: string
  variant?: string
  noReply?: boolean
  system?: string
  tools?: Record<string, boolean>
  parts: PromptPart[]
}

export type PromptPart =
  | { type: "text"; text: string; id?: string; synthetic?: boolean; ignored?: boolean; metadata?: Record<string, unknown> }
  | { type: "file"; mime: string; url: string; filename?: string; id?: string; source?: unknown }
  | { type: "agent"; name: string; id?: string; source?: unknown }
  | { type: "subtask"; prompt: string; description: string; agent: string; id?: string; model?: unknown; command?: string }

export type PromptArgs = { path: { id: string }; body: PromptBody; query?: { directory?: string } }

export type PromptClient = {
  session: {
    prompt(args: PromptArgs): Promise<SdkResult>
    promptAsync(args: PromptArgs): Promise<SdkResult>
  }
}

export type ToastBody = { title?: string; message: string; variant: "info" | "success" | "warning" | "error"; duration?: number }
export type LogBody = { service: string; level: "debug" | "info" | "warn" | "error"; message: string; extra?: Record<string, unknown> }

export type HostClient = PromptClient & {
  session: PromptClient["session"] & {
    abort(args: { path: { id: string }; query?: { directory?: string } }): Promise<SdkResult<boolean>>
    messages(args: { path: { id: string }; query?: { directory?: string; limit?: number } }): Promise<SdkResult<unknown>>
    get?(args: { path: { id: string }; query?: { directory?: string } }): Promise<SdkResult<unknown>>
    status?(args?: { query?: { directory?: string } }): Promise<SdkResult<unknown>>
  }
  tui?: { showToast(args: { body: ToastBody; query?: { directory?: string } }): Promise<SdkResult<boolean>> }
  app?: { log(args: { body: LogBody; query?: { directory?: string } }): Promise<SdkResult<boolean>> }
}

/** True when an SDK-style result reports failure (`error` set, or a 4xx/5xx response). */
export function sdkFailed(result: SdkResult): boolean {
  if (!result || typeof result !== "object") return false
  if ("error" in result && result.error !== undefined && result.error !== null) return true
  const status = result.response?.status
  return typeof status === "number" && status >= 400
}

/**
 * The host's part update route (PATCH /session/{sessionID}/message/{messageID}/part/{partID}) has no method on
 * the v1 client plugins receive, but the v1 client's own transport (`_client`, the generated HTTP client the
 * SDK methods call) reaches it. Returns undefined when that transport is not there (a fake client, a future
 * SDK): callers then keep their in-request rewrite only.
 */
export type PartUpdater = (part: { id: string; sessionID: string; messageID: string } & Record<string, unknown>, directory?: string) => Promise<boolean>

export function partUpdater(client: unknown): PartUpdater | undefined {
  const transport = (client as { _client?: { patch?: (o: unknown) => Promise<SdkResult> } } | undefined)?._client
  if (!transport || typeof transport.patch !== "function") return undefined
  return async (part, directory) => {
    const r = await transport.patch!({
      url: "/session/{sessionID}/message/{messageID}/part/{partID}",
      path: { sessionID: part.sessionID, messageID: part.messageID, partID: part.id },
      body: part,
      ...(directory ? { query: { directory } } : {}),
    })
    return !sdkFailed(r)
  }
}

/**
 * The host's message delete route (DELETE /session/{sessionID}/message/{messageID}, present in 1.18.33; the TUI
 * drops the row on the `message.removed` event), reached like the part update route through the v1 client's
 * transport. Undefined when that transport is not there.
 */
export type MessageDeleter = (sessionID: string, messageID: string, directory?: string) => Promise<boolean>

export function messageDeleter(client: unknown): MessageDeleter | undefined {
  const transport = (client as { _client?: { delete?: (o: unknown) => Promise<SdkResult> } } | undefined)?._client
  if (!transport || typeof transport.delete !== "function") return undefined
  return async (sessionID, messageID, directory) => {
    const r = await transport.delete!({ url: "/session/{sessionID}/message/{messageID}", path: { sessionID, messageID }, ...(directory ? { query: { directory } } : {}) })
    return !sdkFailed(r)
  }
}
