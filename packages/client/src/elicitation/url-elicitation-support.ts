import type {
  CallToolRequest,
  CallToolResult,
  Client,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  RequestOptions,
} from '@modelcontextprotocol/client'
import {
  ProtocolError,
  ProtocolErrorCode,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/client'

import { ClientError } from '../errors.ts'
import { ElicitationCompletions } from '../lib/elicitation-completions.ts'
import type { CompletionWait } from '../lib/elicitation-completions.ts'
import { openInBrowser } from '../url/open-in-browser.ts'
import { evaluateElicitationUrl } from './domain-policy.ts'
import type { UrlElicitationOptions, UrlElicitationSupport } from './url-elicitation-options.ts'

const DEFAULT_COMPLETION_TIMEOUT_MS = 600_000

/** What the steps below share for one server. */
interface Elicitation {
  readonly options: UrlElicitationOptions
  readonly open: (url: URL) => Promise<void>
  readonly completions: ElicitationCompletions
  readonly timeoutMs: number
}

/**
 * URL-mode elicitation handled the way the MCP spec's "Safe URL Handling" asks: policy first,
 * explicit consent showing the full URL and the requesting server, opened in the system browser
 * without pre-fetching, and nothing about it returned to the model. Completion notifications are
 * accepted only for elicitation ids this client opened (catalogue #182).
 */
export function createUrlElicitationSupport(options: UrlElicitationOptions): UrlElicitationSupport {
  const allowLoopbackHttp = options.allowLoopback === true
  const ctx: Elicitation = {
    options,
    open: options.open ?? ((url: URL) => openInBrowser(url, { allowLoopbackHttp })),
    completions: new ElicitationCompletions(),
    timeoutMs: options.completionTimeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS,
  }
  return {
    capabilities: { elicitation: { url: {}, ...(options.form === undefined ? {} : { form: {} }) } },
    attach: (client) => {
      client.setRequestHandler('elicitation/create', (request) => handle(ctx, request.params))
      client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
        ctx.completions.notify(notification.params.elicitationId)
      })
    },
    handle: (params) => handle(ctx, params),
    callTool: (client, params, requestOptions) => callTool(ctx, client, params, requestOptions),
  }
}

async function handle(
  ctx: Elicitation,
  params: ElicitRequestURLParams | ElicitRequestFormParams,
): Promise<ElicitResult> {
  if (params.mode === 'url') return handleUrl(ctx, params)
  if (ctx.options.form !== undefined) return ctx.options.form(params)
  // MCP elicitation "Error Handling": a mode the client did not declare is Invalid params.
  throw new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    'elicitation mode not supported by this client',
  )
}

/** Policy, then the person's consent, then the browser; the URL never goes back to the model. */
async function handleUrl(ctx: Elicitation, params: ElicitRequestURLParams): Promise<ElicitResult> {
  const { options } = ctx
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
  if (typeof params.elicitationId === 'string') ctx.completions.opened(params.elicitationId)
  await ctx.open(decision.url)
  // 2026-07-28 has no completion notification: answering retries the call (MRTR), so wait
  // for the person's "done" when the host offers the control.
  // (The SDK types the 2025 shape; 2026-07-28 input requests carry no elicitationId.)
  const { elicitationId } = params as { elicitationId?: string }
  if (elicitationId === undefined && options.manualRetry !== undefined) {
    return (await personSaysDone(ctx, params.message)) ? { action: 'accept' } : { action: 'cancel' }
  }
  return { action: 'accept' }
}

async function personSaysDone(ctx: Elicitation, message: string): Promise<boolean> {
  const settled = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<'cancel'>((resolve) => {
    timer = setTimeout(() => {
      resolve('cancel')
    }, ctx.timeoutMs)
  })
  try {
    const manual = ctx.options.manualRetry?.({
      serverUrl: ctx.options.serverUrl,
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

/**
 * `tools/call` that answers a `-32042` URLElicitationRequiredError: each elicitation is handled
 * and completed in turn, then the call is retried once; a second -32042 goes to the caller.
 */
async function callTool(
  ctx: Elicitation,
  client: Client,
  params: CallToolRequest['params'],
  requestOptions: RequestOptions | undefined,
): Promise<CallToolResult> {
  try {
    return await client.callTool(params, requestOptions)
  } catch (error) {
    if (!(error instanceof UrlElicitationRequiredError)) throw error
    for (const elicitation of error.elicitations) {
      const waiting = ctx.completions.waitFor(elicitation.elicitationId, ctx.timeoutMs)
      const result = await handleUrl(ctx, elicitation)
      if (result.action !== 'accept') {
        waiting.stop()
        throw new ClientError(
          'ERR_CLIENT_ELICITATION_REFUSED',
          'the required browser step was declined',
        )
      }
      await completion(ctx, elicitation, waiting)
    }
    return await client.callTool(params, requestOptions)
  }
}

/** The notification, or the person's own "done" when a manual control is given. */
async function completion(
  ctx: Elicitation,
  elicitation: { elicitationId: string; message: string },
  waiting: CompletionWait,
): Promise<void> {
  // Aborted once the wait is over, so a prompt still open for the person can be withdrawn.
  const settled = new AbortController()
  const manual = ctx.options.manualRetry?.({
    serverUrl: ctx.options.serverUrl,
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
