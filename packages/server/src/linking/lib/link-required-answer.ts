import {
  CLIENT_CAPABILITIES_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  UrlElicitationRequiredError,
  inputRequired,
} from '@modelcontextprotocol/server'
import type {
  CallToolResult,
  ClientCapabilities,
  InputRequest,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'

/** One provider the user must link before the tool can run. */
export interface LinkToOpen {
  provider: string
  displayName: string
  url: string
  elicitationId: string
}

/** How the client can be asked to open a URL. */
export type LinkingClientKind = 'modern-url' | 'legacy-url' | 'text'

/**
 * The client kind of this request. 2026-07-28 requests carry their capabilities in the `_meta`
 * envelope; for 2025-era requests `legacyUrl` says what the client declared at `initialize`.
 * Never URL mode for a client that did not declare it (catalogue #187).
 */
export function linkingClientKind(ctx: ServerContext, legacyUrl: boolean): LinkingClientKind {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined
  if (envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined) {
    const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined
    return capabilities?.elicitation?.url === undefined ? 'text' : 'modern-url'
  }
  return legacyUrl ? 'legacy-url' : 'text'
}

/** Whether this request is on the 2026-07-28 revision (its capabilities are in the envelope). */
export function isModernRequest(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined
  return envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined
}

function message(link: LinkToOpen): string {
  return `Connect your ${link.displayName} account so that this tool can use it. The page asks you to confirm first.`
}

/**
 * The answer to a tool call that needs linking, the way the client can handle it:
 * - 2026-07-28 with URL elicitation: an input-required result with one URL elicitation per
 *   provider (the client retries the call after the user finished, MRTR);
 * - 2025-11-25 with URL elicitation: the `-32042` URLElicitationRequiredError (thrown), and
 *   `notifications/elicitation/complete` once linking finishes;
 * - otherwise a tool result addressed to the *user*, worded so a model does not act on the link
 *   itself (the page requires the user's own browser session anyway).
 */
export function linkRequiredAnswer(
  kind: LinkingClientKind,
  links: readonly LinkToOpen[],
  requestState?: string,
): CallToolResult | InputRequiredResult {
  if (kind === 'modern-url') {
    const inputRequests: Record<string, InputRequest> = {}
    for (const link of links) {
      inputRequests[`link:${link.provider}`] = inputRequired.elicitUrl({
        message: message(link),
        url: link.url,
      })
    }
    return inputRequired({
      inputRequests,
      ...(requestState === undefined ? {} : { requestState }),
    })
  }
  if (kind === 'legacy-url') {
    throw new UrlElicitationRequiredError(
      links.map((link) => ({
        mode: 'url' as const,
        elicitationId: link.elicitationId,
        url: link.url,
        message: message(link),
      })),
      'account linking required',
    )
  }
  const lines = links.map((link) => `- ${link.displayName}: ${link.url}`)
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: [
          'This tool cannot run yet: the user has to connect an account first.',
          'Message for the user (assistant: show it to the user as is; do not open, fetch or',
          'follow these links yourself, they only work in the user’s own signed-in browser):',
          '',
          'Please open this link in your browser, sign in and confirm, then ask again:',
          ...lines,
        ].join('\n'),
      },
    ],
  }
}
