import { createHash } from 'node:crypto'
import type { VerifiedToken } from '@mandate/server'
import { keptForRequest, subjectToken } from '../lib/subject-token.ts'

/**
 * The caller's token as revocation events name it: the claims an event can cover (`jti`, `gid`,
 * `sub`, `client_id`, `kid`, `iat`) and the base64url SHA-256 of the token (opaque tokens).
 * Whatever the gateway keeps for a caller (an exchanged token, an upstream session) remembers
 * the origin it was made for, so that an event can find and end it (docs/gateway.md).
 */
export interface CallerOrigin {
  readonly token: VerifiedToken
  readonly tokenHash: string
}

/**
 * The origin of the request's token. The front (@mandate/server) has already verified it; the
 * claims are only read here (RFC 7519 §7.2 parts), never trusted for anything but matching
 * revocation events. `who` comes from the verified identity and wins over the payload.
 */
export function callerOrigin(
  subject: string | undefined,
  who: { sub: string; clientId: string },
): CallerOrigin {
  // Asked twice per call (exchange cache, session): derived once per request, kept no longer.
  if (subject === undefined || subject !== subjectToken()) return originOf(subject, who)
  const kept = keptForRequest(REQUEST_ORIGIN, () => originOf(subject, who))
  const same = kept.token.sub === who.sub && kept.token.clientId === who.clientId
  return same ? kept : originOf(subject, who)
}

const REQUEST_ORIGIN = Symbol('caller origin')

function originOf(
  subject: string | undefined,
  who: { sub: string; clientId: string },
): CallerOrigin {
  const tokenHash =
    subject === undefined ? '' : createHash('sha256').update(subject).digest('base64url')
  const [header, payload] = (subject ?? '').split('.')
  const claims = part(payload)
  const str = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : undefined
  return Object.freeze({
    tokenHash,
    token: Object.freeze({
      issuer: '',
      sub: who.sub,
      clientId: who.clientId,
      scopes: [],
      expiresAt: 0,
      issuedAt: typeof claims['iat'] === 'number' ? claims['iat'] : undefined,
      jti: str(claims['jti']),
      acr: undefined,
      amr: [],
      authTime: undefined,
      act: undefined,
      jkt: undefined,
      gid: str(claims['gid']),
      kid: str(part(header)['kid']),
    }),
  })
}

function part(segment: string | undefined): Record<string, unknown> {
  if (segment === undefined || segment.length === 0) return {}
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  } catch {
    // An opaque token: only its hash and the verified identity name it.
    return {}
  }
}
