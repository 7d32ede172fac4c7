import { createHmac, timingSafeEqual } from 'node:crypto'

// Short-lived, HMAC-signed statements carried in hidden form fields between the steps of one
// interaction (password accepted → second factor), bound to the interaction uid, which is
// itself bound to the browser by oidc-provider's interaction cookie.

export interface StepClaims {
  uid: string
  sub: string
  /** Factors already satisfied. */
  amr: string[]
  exp: number
}

export function signStep(secret: string, claims: StepClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url')
  return `${body}.${mac(secret, body)}`
}

export function verifyStep(
  secret: string,
  token: string,
  uid: string,
  now = Date.now(),
): StepClaims | undefined {
  const [body, signature] = token.split('.')
  if (body === undefined || signature === undefined) return undefined
  const expected = Buffer.from(mac(secret, body))
  const actual = Buffer.from(signature)
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StepClaims
  if (claims.uid !== uid || claims.exp <= now) return undefined
  return claims
}

/** A CSRF token bound to a purpose (e.g. the interaction uid or the session). */
export function csrfToken(secret: string, binding: string): string {
  return mac(secret, `csrf:${binding}`)
}

export function csrfValid(secret: string, binding: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false
  const expected = Buffer.from(csrfToken(secret, binding))
  const actual = Buffer.from(presented)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

function mac(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url')
}
