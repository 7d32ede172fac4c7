import type {
  CallToolRequest,
  CallToolResult,
  Client,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
} from '@modelcontextprotocol/client'
import {
  ProtocolError,
  ProtocolErrorCode,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'
import { openInBrowser } from '../url/open-in-browser.ts'
import type { DomainPolicy } from './domain-policy.ts'
import { evaluateElicitationUrl } from './domain-policy.ts'
import type { UrlDisplay } from './describe-url.ts'

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

export type ConsentPrompt = (request: ConsentRequest) => Promise<{ approved: boolean }>

/** What the person is told when a link was refused without asking them. */
export interface RefusalNotice {
  serverUrl: string
  message: string
  reason: string
  display?: UrlDisplay
}

export interface UrlElicitationOptions {
  serverUrl: string
  serverName?: string
  consent: ConsentPrompt
  policy?: DomainPolicy
  /** Opens the approved URL outside the model's reach. Default: the system browser, no shell. */
  open?: (url: URL) => Promise<void>
  /** Form-mode handler; without one, form mode is not declared. */
  form?: (params: ElicitRequestFormParams) => Promise<ElicitResult>
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

export interface ManualRetryRequest {
  serverUrl: string
  /** The 2025-11-25 id; 2026-07-28 elicitations have none. */
  elicitationId: string | undefined
  message: string
  /** Aborts when the wait ended another way (the notification came): close the prompt. */
  signal: AbortSignal
}

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
  callTool(client: Client, params: CallToolRequest['params']): Promise<CallToolResult>
}

/**
 * URL-mode elicitation handled the way the MCP spec's "Safe URL Handling" asks: policy first,
 * explicit consent showing the full URL and the requesting server, opened in the system browser
 * without pre-fetching, and nothing about it returned to the model. Completion notifications are
 * accepted only for elicitation ids this client opened (catalogue #182).
 */
export function createUrlElicitationSupport(options: UrlElicitationOptions): UrlElicitationSupport {
  const open =
    options.open ??
    ((url: URL) => openInBrowser(url, { allowLoopbackHttp: options.allowLoopback === true }))
  const waiters = new Map<string, () => void>()
  const completed = new Set<string>()
  const opened = new Set<string>()

  const handleUrl = async (params: ElicitRequestURLParams): Promise<ElicitResult> => {
    const decision = evaluateElicitationUrl(params.url, options.serverUrl, options.policy ?? {}, {
      allowLoopback: options.allowLoopback === true,
    })
    if (!decision.allowed) {
      options.onRefused?.({
        serverUrl: options.serverUrl,
        message: params.message,
        reason: decision.reason,
        ...(decision.display === undefined ? {} : { display: decision.display }),
      })
      return { action: 'decline' }
    }
    const { approved } = await options.consent({
      serverUrl: options.serverUrl,
      ...(options.serverName === undefined ? {} : { serverName: options.serverName }),
      message: params.message,
      display: decision.display,
    })
    if (!approved) return { action: 'decline' }
    if (typeof params.elicitationId === 'string') opened.add(params.elicitationId)
    await open(decision.url)
    // 2026-07-28 has no completion notification: answering retries the call (MRTR), so wait
    // for the person's "done" when the host offers the control.
    // (The SDK types the 2025 shape; 2026-07-28 input requests carry no elicitationId.)
    const { elicitationId } = params as { elicitationId?: string }
    if (elicitationId === undefined && options.manualRetry !== undefined) {
      return (await personSaysDone(params.message)) ? { action: 'accept' } : { action: 'cancel' }
    }
    return { action: 'accept' }
  }

  const personSaysDone = async (message: string): Promise<boolean> => {
    const settled = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<'cancel'>((resolve) => {
      timer = setTimeout(() => {
        resolve('cancel')
      }, options.completionTimeoutMs ?? 600_000)
    })
    try {
      const manual = options.manualRetry?.({
        serverUrl: options.serverUrl,
        elicitationId: undefined,
        message,
        signal: settled.signal,
      })
      return (await Promise.race([manual ?? 'retry', timeout])) === 'retry'
    } finally {
      clearTimeout(timer)
      settled.abort()
    }
  }

  const handle = async (
    params: ElicitRequestURLParams | ElicitRequestFormParams,
  ): Promise<ElicitResult> => {
    if (params.mode === 'url') return handleUrl(params)
    if (options.form !== undefined) return options.form(params)
    // MCP elicitation "Error Handling": a mode the client did not declare is Invalid params.
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      'elicitation mode not supported by this client',
    )
  }

  const waitForCompletion = (elicitationId: string): { done: Promise<void>; stop(): void } => {
    if (completed.has(elicitationId)) return { done: Promise.resolve(), stop: () => undefined }
    let timer: ReturnType<typeof setTimeout> | undefined
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        waiters.delete(elicitationId)
        reject(
          new ClientError(
            'ERR_CLIENT_ELICITATION_TIMEOUT',
            'the browser step was not completed in time',
          ),
        )
      }, options.completionTimeoutMs ?? 600_000)
      waiters.set(elicitationId, () => {
        clearTimeout(timer)
        resolve()
      })
    })
    // Awaited only after consent and the browser: a timeout meanwhile must not go unhandled.
    done.catch(() => undefined)
    return {
      done,
      stop: () => {
        clearTimeout(timer)
        waiters.delete(elicitationId)
      },
    }
  }

  /** The notification, or the person's own "done" when a manual control is given. */
  const completion = async (
    elicitation: { elicitationId: string; message: string },
    waiting: { done: Promise<void>; stop(): void },
  ): Promise<void> => {
    // Aborted once the wait is over, so a prompt still open for the person can be withdrawn.
    const settled = new AbortController()
    const manual = options.manualRetry?.({
      serverUrl: options.serverUrl,
      elicitationId: elicitation.elicitationId,
      message: elicitation.message,
      signal: settled.signal,
    })
    try {
      const outcome = await (manual === undefined
        ? waiting.done.then(() => 'retry' as const)
        : Promise.race([waiting.done.then(() => 'retry' as const), manual]))
      if (outcome === 'cancel') {
        throw new ClientError(
          'ERR_CLIENT_ELICITATION_REFUSED',
          'the required browser step was cancelled',
        )
      }
    } finally {
      settled.abort()
      waiting.stop()
    }
  }

  return {
    capabilities: { elicitation: { url: {}, ...(options.form === undefined ? {} : { form: {} }) } },
    attach: (client) => {
      client.setRequestHandler('elicitation/create', (request) => handle(request.params))
      client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
        const id = notification.params.elicitationId
        // Ignore ids we never opened or already saw (catalogue #182).
        if (!opened.has(id) || completed.has(id)) return
        completed.add(id)
        waiters.get(id)?.()
        waiters.delete(id)
      })
    },
    handle,
    callTool: async (client, params) => {
      try {
        return await client.callTool(params)
      } catch (error) {
        if (!(error instanceof UrlElicitationRequiredError)) throw error
        for (const elicitation of error.elicitations) {
          const waiting = waitForCompletion(elicitation.elicitationId)
          const result = await handleUrl(elicitation)
          if (result.action !== 'accept') {
            waiting.stop()
            throw new ClientError(
              'ERR_CLIENT_ELICITATION_REFUSED',
              'the required browser step was declined',
            )
          }
          await completion(elicitation, waiting)
        }
        // Retry once; a second -32042 goes to the caller.
        return await client.callTool(params)
      }
    },
  }
}
