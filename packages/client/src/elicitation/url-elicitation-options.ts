import type {
  CallToolRequest,
  CallToolResult,
  Client,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  RequestOptions,
} from '@modelcontextprotocol/client'

import type { UrlDisplay } from './describe-url.ts'
import type { DomainPolicy } from './domain-policy.ts'

/** What the host shows before anything is opened (the consent-UI contract, docs/client.md). */
export interface ConsentRequest {
  /** The MCP server that asks; show it prominently. */
  serverUrl: string
  serverName?: string
  /** The server's message, untrusted text: show it as plain text. */
  message: string
  /** The full URL with the registrable domain split out for emphasis, and warnings. */
  display: UrlDisplay
}

/** The host's consent UI: resolves once the person approved or declined opening the URL. */
export type ConsentPrompt = (request: ConsentRequest) => Promise<{ approved: boolean }>

/** What the person is told when a link was refused without asking them. */
export interface RefusalNotice {
  serverUrl: string
  message: string
  reason: string
  display?: UrlDisplay
}

/** How {@link createUrlElicitationSupport} asks, decides and opens for one MCP server. */
export interface UrlElicitationOptions {
  /** The MCP server whose elicitations these are; its own origin is allowed by default. */
  serverUrl: string
  serverName?: string
  /** Asks the person before anything is opened. */
  consent: ConsentPrompt
  /** Which hosts links may point to; default: the server's own origin only. */
  policy?: DomainPolicy
  /** Opens the approved URL outside the model's reach. Default: the system browser, no shell. */
  open?: (url: URL) => Promise<void>
  /** Form-mode handler; without one, form mode is not declared. */
  form?: (params: ElicitRequestFormParams) => Promise<ElicitResult>
  /** Told when a link was refused by policy, without asking the person. */
  onRefused?: (notice: RefusalNotice) => void
  /** How long to wait for `notifications/elicitation/complete`. Default 10 minutes. */
  completionTimeoutMs?: number
  /**
   * The manual retry/cancel control for servers that send no completion notification (it is a
   * MAY for servers; MCP 2025-11-25 elicitation "URL Mode" asks clients for manual controls):
   * resolves `retry` once the person says they are done, `cancel` to give up. Races the
   * notification; without it, only the notification (or the timeout) ends the wait.
   * On 2026-07-28 (no notification exists) it is the only signal: the elicitation is answered,
   * and the call retried, once the person says they are done.
   */
  manualRetry?: (request: ManualRetryRequest) => Promise<'retry' | 'cancel'>
  /** Development only: accept `http://127.0.0.1` links. */
  allowLoopback?: boolean
}

/** What the host's manual "done / cancel" control is shown for one browser step. */
export interface ManualRetryRequest {
  serverUrl: string
  /** The 2025-11-25 id; 2026-07-28 elicitations have none. */
  elicitationId: string | undefined
  message: string
  /** Aborts when the wait ended another way (the notification came): close the prompt. */
  signal: AbortSignal
}

/** URL elicitation for one MCP server: the capabilities to declare and the handlers to attach. */
export interface UrlElicitationSupport {
  /** Merge into the SDK `Client` capabilities: `{ elicitation: { url: {}, form?: {} } }`. */
  readonly capabilities: {
    elicitation: { url: Record<string, never>; form?: Record<string, never> }
  }
  /** Registers the `elicitation/create` handler and the completion listener on `client`. */
  attach(client: Client): void
  /** Handles one `elicitation/create` request (both protocol revisions go through here). */
  handle(params: ElicitRequestURLParams | ElicitRequestFormParams): Promise<ElicitResult>
  /**
   * `tools/call` that answers a `-32042` URLElicitationRequiredError: consent, open, wait for
   * completion, then retries the call once. The URL never reaches the result (or the model).
   */
  callTool(
    client: Client,
    params: CallToolRequest['params'],
    options?: RequestOptions,
  ): Promise<CallToolResult>
}
