import { signPayload, verifyPayload } from '@mandate/core'

/** The connect links of one 2026-07-28 round, by provider id (URL ids, never credentials). */
export type LinkRound = Readonly<Record<string, string>>

interface Payload {
  sub: string
  links: LinkRound
  exp: number
}

const PURPOSE = 'mandate.linking.request-state'

/**
 * The MRTR `requestState` of a linking answer: which links this round handed out, so that the
 * retry reuses them instead of minting new ones. It round-trips through the client, so it is
 * MACed and bound to the user (MCP 2026-07-28 basic/patterns/mrtr, server requirements 4–5).
 */
export function mintLinkRequestState(secret: string, payload: Payload): string {
  return signPayload(secret, PURPOSE, payload)
}

/** The links of a state this server minted for `sub` that has not expired, else `undefined`. */
export function readLinkRequestState(
  secret: string,
  raw: unknown,
  sub: string,
  now: number,
): LinkRound | undefined {
  const payload = verifyPayload(secret, PURPOSE, raw) as Partial<Payload> | undefined
  if (payload?.sub !== sub || typeof payload.exp !== 'number' || payload.exp <= now)
    return undefined
  const links: unknown = payload.links
  if (typeof links !== 'object' || links === null || Array.isArray(links)) return undefined
  const round: Record<string, string> = {}
  for (const [provider, id] of Object.entries(links))
    if (typeof id === 'string') round[provider] = id
  return round
}
