import { randomBytes } from 'node:crypto'
import { signPayload, verifyPayload } from '@mandate/core'

/**
 * What an input-required round of the gateway hands the caller to echo back (MCP 2026-07-28
 * basic/patterns/mrtr `requestState`): which upstream asked, for which user and client, and,
 * when the upstream is still waiting (`elicitation/create` held on the user's session), the id
 * of that held request. It round-trips through the client, so it is MACed and bound to the user
 * and client (MRTR server requirements 4–5, catalogue #186); it names no credential.
 */
export interface RelayState {
  sub: string
  clientId: string
  upstream: string
  /** The held upstream request, looked up on this user's own session only. */
  held?: string
  exp: number
}

const PURPOSE = 'mandate.gateway.elicitation-state'

// Per process: a held request lives in this process only, and a state another instance minted
// only makes its retry a fresh call upstream (which asks again if it still needs to).
const SECRET = randomBytes(32).toString('base64url')

/** A `requestState` for this process to read back with {@link readRelayState}. */
export function mintRelayState(state: RelayState): string {
  return signPayload(SECRET, PURPOSE, state)
}

/** The state this process minted for this caller and upstream, unexpired; else `undefined`. */
export function readRelayState(
  raw: unknown,
  expected: { sub: string; clientId: string; upstream: string },
  now: number,
): RelayState | undefined {
  const payload = verifyPayload(SECRET, PURPOSE, raw) as Partial<RelayState> | undefined
  if (
    payload?.sub !== expected.sub ||
    payload.clientId !== expected.clientId ||
    payload.upstream !== expected.upstream ||
    typeof payload.exp !== 'number' ||
    payload.exp <= now
  )
    return undefined
  return {
    sub: payload.sub,
    clientId: payload.clientId,
    upstream: payload.upstream,
    exp: payload.exp,
    ...(typeof payload.held === 'string' ? { held: payload.held } : {}),
  }
}
