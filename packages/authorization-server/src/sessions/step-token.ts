import { createHmac, timingSafeEqual } from 'node:crypto'
import { signPayload, verifyPayload } from '@mandate/core'

// Short-lived, HMAC-signed statements carried in hidden form fields between the steps of one
// interaction (password accepted → second factor), bound to the interaction uid, which is
// itself bound to the browser by oidc-provider's interaction cookie.

/** What one interaction step tells the next: who passed which factors, until when. */
export interface StepClaims {
  uid: string
  sub: string
  /** Factors already satisfied. */
  amr: string[]
  exp: number
}

const STEP_PURPOSE = 'mandate.as.step'

/** Signs step claims for a hidden form field. */
export function signStep(secret: string, claims: StepClaims): string {
  return signPayload(secret, STEP_PURPOSE, claims)
}

/** The claims of a step token signed for this interaction `uid` and not expired, else undefined. */
export function verifyStep(
  secret: string,
  token: string,
  uid: string,
  now = Date.now(),
): StepClaims | undefined {
  const claims = verifyPayload(secret, STEP_PURPOSE, token) as Partial<StepClaims> | undefined
  if (claims?.uid !== uid || typeof claims.exp !== 'number' || claims.exp <= now) return undefined
  return claims as StepClaims
}

/** A CSRF token bound to a purpose (e.g. the interaction uid or the session). */
export function csrfToken(secret: string, binding: string): string {
  return mac(secret, `csrf:${binding}`)
}

/** Whether a presented CSRF token is the one for `binding` (constant-time comparison). */
export function csrfValid(secret: string, binding: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false
  const expected = Buffer.from(csrfToken(secret, binding))
  const actual = Buffer.from(presented)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

function mac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url')
}
