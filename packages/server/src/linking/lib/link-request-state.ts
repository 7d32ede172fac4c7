import { createHmac, timingSafeEqual } from 'node:crypto'

/** The connect links of one 2026-07-28 round, by provider id (URL ids, never credentials). */
export type LinkRound = Readonly<Record<string, string>>

interface Payload {
  sub: string
  links: LinkRound
  exp: number
}

const mac = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(`mandate.linking.request-state\n${body}`).digest('base64url')

/**
 * The MRTR `requestState` of a linking answer: which links this round handed out, so that the
 * retry reuses them instead of minting new ones. It round-trips through the client, so it is
 * MACed and bound to the user (MCP 2026-07-28 basic/patterns/mrtr, server requirements 4–5).
 */
export function mintLinkRequestState(secret: string, payload: Payload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${mac(secret, body)}`
}

/** The links of a state this server minted for `sub` that has not expired, else `undefined`. */
export function readLinkRequestState(
  secret: string,
  raw: unknown,
  sub: string,
  now: number,
): LinkRound | undefined {
  if (typeof raw !== 'string' || raw.length > 4096) return undefined
  const [body, tag, extra] = raw.split('.')
  if (body === undefined || tag === undefined || extra !== undefined) return undefined
  const expected = Buffer.from(mac(secret, body))
  const given = Buffer.from(tag)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  let payload: Partial<Payload>
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Payload>
  } catch {
    return undefined
  }
  if (payload.sub !== sub || typeof payload.exp !== 'number' || payload.exp <= now) return undefined
  const links = payload.links
  if (typeof links !== 'object' || Array.isArray(links)) return undefined
  const round: Record<string, string> = {}
  for (const [provider, id] of Object.entries(links))
    if (typeof id === 'string') round[provider] = id
  return round
}
