import {
  CLIENT_CAPABILITIES_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server'
import type { ClientCapabilities, ServerContext } from '@modelcontextprotocol/server'
import { hasUrlElicitationCapability } from '@mandate/store'
import type { Store } from '@mandate/store'

/**
 * How an upstream's URL elicitation can reach this caller:
 * - `modern`: a 2026-07-28 request whose envelope declares `elicitation.url` (an input-required
 *   round, MRTR);
 * - `legacy`: a 2025-11-25 client that declared `elicitation.url` at `initialize` (remembered per
 *   user and client, stateless serving): the `-32042` error;
 * - `none`: anything else. Never URL mode for a client that did not declare it (catalogue #187).
 */
export type ElicitationCaller = 'modern' | 'legacy' | 'none'

/** This request's caller, as far as URL elicitation goes. */
export async function elicitationCaller(
  ctx: ServerContext,
  store: Store | undefined,
  who: { sub: string; clientId: string },
): Promise<ElicitationCaller> {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined
  if (envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined) {
    const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined
    return capabilities?.elicitation?.url === undefined ? 'none' : 'modern'
  }
  if (store === undefined) return 'none'
  return (await hasUrlElicitationCapability(store, who)) ? 'legacy' : 'none'
}
