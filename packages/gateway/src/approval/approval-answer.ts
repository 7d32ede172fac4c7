import {
  CLIENT_CAPABILITIES_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  UrlElicitationRequiredError,
  inputRequired,
} from '@modelcontextprotocol/server'
import type {
  CallToolResult,
  ClientCapabilities,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { hasUrlElicitationCapability } from '@mandate/store'
import type { Store } from '@mandate/store'

/** The key of the approval's URL elicitation in a 2026-07-28 input-required round. */
export const APPROVAL_INPUT_KEY = 'approve'

/** The approval page to open, and the 2025-11-25 id its completion is announced under. */
export interface ApprovalLink {
  url: string
  elicitationId: string
  upstream: string
  tool: string
}

/** Whether this request is on the 2026-07-28 revision (capabilities in the `_meta` envelope). */
export function isModernRequest(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined
  return envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined
}

/**
 * Asks the person to approve, the way the client can handle it (as account linking does,
 * docs/linking.md): 2026-07-28 with URL elicitation, an input-required round; 2025-11-25 that
 * declared URL elicitation at `initialize`, the `-32042` error (thrown); otherwise a tool
 * result addressed to the user. Never URL mode for a client that did not declare it.
 */
export async function approvalAnswer(
  ctx: ServerContext,
  store: Store,
  caller: { sub: string; clientId: string },
  link: ApprovalLink,
): Promise<CallToolResult | InputRequiredResult> {
  const message = `Approve this call of ${link.tool} on ${link.upstream}: the page shows its exact arguments.`
  if (isModernRequest(ctx)) {
    const envelope = ctx.mcpReq.envelope as Record<string, unknown>
    const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined
    if (capabilities?.elicitation?.url !== undefined) {
      return inputRequired({
        inputRequests: {
          [APPROVAL_INPUT_KEY]: inputRequired.elicitUrl({ message, url: link.url }),
        },
      })
    }
  } else if (await hasUrlElicitationCapability(store, caller)) {
    throw new UrlElicitationRequiredError(
      [{ mode: 'url', elicitationId: link.elicitationId, url: link.url, message }],
      'approval required',
    )
  }
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: [
          'This call needs the user’s approval first.',
          'Message for the user (assistant: show it to the user as is; do not open, fetch or',
          'follow this link yourself, it only works in the user’s own signed-in browser):',
          '',
          `Please open this link in your browser to approve this call of ${link.tool} on`,
          `${link.upstream}, then ask again: ${link.url}`,
        ].join('\n'),
      },
    ],
  }
}

/** The tool error of a call the person denied (or declined to look at). */
export function notApproved(tool: string): CallToolResult {
  return {
    isError: true,
    content: [
      { type: 'text', text: `The user did not approve this call of ${tool}; it did not run.` },
    ],
  }
}
