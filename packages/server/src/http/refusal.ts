import { challengeResponse } from './challenges.ts'
import type { ChallengeContext, ChallengeError } from './challenges.ts'

/**
 * A request the resource server refuses: what the client is told (a challenge with a generic
 * description, or a bare 500) and why, for logs and audit only. `reason` is a fixed, short text
 * from our own checks; it never reaches the wire, where it would tell an attacker which check
 * failed (expired, wrong audience, unknown key, revoked, replayed).
 */
export interface Refusal extends Omit<ChallengeError, 'status' | 'dpopNonce'> {
  /** 500: the check itself failed (fail closed, no challenge, catalogue #97). */
  readonly status: ChallengeError['status'] | 500
  readonly reason: string
}

/** Turns a refusal into its response; `dpopNonce` rides along on challenges (RFC 9449 §9). */
export function refusalResponse(
  ctx: ChallengeContext,
  refusal: Refusal,
  dpopNonce?: string,
): Response {
  if (refusal.status === 500) {
    return new Response(JSON.stringify({ error: 'server_error' }), {
      status: 500,
      headers: { 'content-type': 'application/json' },
    })
  }
  const { reason: _reason, ...challenge } = refusal
  return challengeResponse(ctx, {
    ...challenge,
    status: refusal.status,
    ...(dpopNonce === undefined ? {} : { dpopNonce }),
  })
}

/** The audit and log form of a refusal: `no_token`, or `<wire error>: <reason>`. */
export function refusalReason(refusal: Refusal): string {
  if (refusal.error === undefined) return refusal.status === 500 ? 'server_error' : 'no_token'
  return `${refusal.error}: ${refusal.reason}`
}

/** Whether a step's outcome is a refusal rather than its result. */
export function isRefusal(value: object): value is Refusal {
  return 'reason' in value && 'status' in value
}

/** `invalid_token` in the scheme the client used, with the reason for logs and audit. */
export function tokenRefusal(credentials: { scheme: 'bearer' | 'dpop' }, reason: string): Refusal {
  return { status: 401, error: 'invalid_token', reason, scheme: credentials.scheme }
}
