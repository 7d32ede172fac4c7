import type {
  CallToolResult,
  InputRequiredResult,
  ServerContext,
} from '@modelcontextprotocol/server'
import { declaredUrlElicitation } from './client-capabilities.ts'
import { isModernRequest, linkRequiredAnswer, linkingClientKind } from './link-required-answer.ts'
import type { LinkToOpen } from './link-required-answer.ts'
import { mintLinkRequestState, readLinkRequestState } from './link-request-state.ts'
import type { LinkRound } from './link-request-state.ts'
import { providerName } from './linking-context.ts'
import type { LinkingContext } from './linking-context.ts'
import { createPendingLink, findPendingLink, hashLinkId } from './pending-links.ts'

/** A provider the user must link before the tool can run, with the scopes to ask for. */
export interface MissingAccess {
  provider: string
  scopes: readonly string[]
}

/** The caller: links are bound to the verified user and told to its OAuth client only. */
interface Caller {
  sub: string
  clientId: string
}

/**
 * The answer for a call that needs linking, as steps: a 2026-07-28 retry reads the previous
 * round from its `requestState` and ends on a decline; each missing provider gets a pending
 * link (the previous round's while the user can still finish it); the answer takes the form
 * the client can handle (`linkRequiredAnswer`). For a 2025-11-25 client that declared URL
 * elicitation this throws the `-32042` error.
 */
export async function askToLink(
  linking: LinkingContext,
  ctx: ServerContext,
  caller: Caller,
  missing: readonly MissingAccess[],
): Promise<CallToolResult | InputRequiredResult> {
  const { secret, config } = linking
  const modern = isModernRequest(ctx)
  // A 2026-07-28 retry names the links of the previous round (MRTR requestState).
  const previous = modern
    ? readLinkRequestState(secret, ctx.mcpReq.requestState(), caller.sub, config.now())
    : undefined
  if (previous !== undefined) {
    const declined = missing.find((entry) => wasDeclined(ctx, entry.provider))
    if (declined !== undefined)
      return declinedAnswer(providerName(linking.vault, declined.provider))
  }
  const { links, round } = await openLinks(linking, caller, missing, previous)
  const legacyUrl = !modern && (await declaredUrlElicitation(linking.store, caller))
  const requestState = modern
    ? mintLinkRequestState(secret, {
        sub: caller.sub,
        links: round,
        exp: config.now() + config.ttlMs,
      })
    : undefined
  return linkRequiredAnswer(linkingClientKind(ctx, legacyUrl), links, requestState)
}

/** One link per missing provider: the previous round's when still open, else a new one. */
async function openLinks(
  linking: LinkingContext,
  caller: Caller,
  missing: readonly MissingAccess[],
  previous: LinkRound | undefined,
): Promise<{ links: LinkToOpen[]; round: Record<string, string> }> {
  const { store, config } = linking
  const links: LinkToOpen[] = []
  const round: Record<string, string> = {}
  for (const { provider, scopes } of missing) {
    const { id, elicitationId } =
      (await stillOpen(linking, previous, provider, caller.sub)) ??
      (await createPendingLink(store, {
        sub: caller.sub,
        clientId: caller.clientId,
        provider,
        scopes,
        ttlMs: config.ttlMs,
        now: config.now(),
      }))
    round[provider] = id
    links.push({
      provider,
      displayName: providerName(linking.vault, provider),
      url: `${config.baseUrl}/connect/${id}`,
      elicitationId,
    })
  }
  return { links, round }
}

/** The previous round's link for `provider`, if the user can still finish it. */
async function stillOpen(
  linking: LinkingContext,
  previous: LinkRound | undefined,
  provider: string,
  sub: string,
): Promise<{ id: string; elicitationId: string } | undefined> {
  const id = previous?.[provider]
  if (id === undefined) return undefined
  const link = await findPendingLink(linking.store, { idHash: hashLinkId(id) })
  const open =
    link !== undefined &&
    link.sub === sub &&
    link.provider === provider &&
    (link.status === 'pending' || link.status === 'started') &&
    link.expiresAt > linking.config.now()
  return open ? { id, elicitationId: link.elicitationId } : undefined
}

/** Whether the user declined or cancelled the URL elicitation for `provider` (MRTR retry). */
function wasDeclined(ctx: ServerContext, provider: string): boolean {
  const response = ctx.mcpReq.inputResponses?.[`link:${provider}`] as
    { action?: unknown } | undefined
  return response?.action === 'decline' || response?.action === 'cancel'
}

function declinedAnswer(name: string): CallToolResult {
  return {
    isError: true,
    content: [
      { type: 'text', text: `The user chose not to connect ${name}; this tool did not run.` },
    ],
  }
}
