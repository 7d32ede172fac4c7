import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { signPayload, verifyPayload } from '@mandate/core'

// The state of an `/account/sign-in` round trip (catalogue #9): HMAC-signed (so `return_to`
// cannot be changed), expiring, and bound to the browser that started it by a random nonce in
// an httpOnly cookie whose hash the state carries. Each flow has its own cookie (named by the
// flow id), so parallel sign-ins in two tabs do not clobber each other; the cookie is cleared
// on use, so a state works once.

/** How long a sign-in round trip may take. */
export const SIGN_IN_TTL_MS = 10 * 60_000
/** The longest `return_to` path accepted. */
export const RETURN_TO_MAX_LENGTH = 1024
/** Where a sign-in returns when no valid `return_to` was given. */
export const DEFAULT_RETURN_TO = '/account'
const COOKIE_PREFIX = 'mandate_sign_in_'

/** The signed content of a sign-in state (short names: it travels in a URL). */
export interface SignInClaims {
  /** Flow id: names the cookie. */
  f: string
  /** SHA-256 of the cookie's nonce. */
  h: string
  /** Validated return path. */
  r: string
  exp: number
}

/**
 * A started sign-in: the state to send, and the cookie (name and nonce) that binds it to the
 * browser.
 */
export interface SignInFlow {
  state: string
  cookieName: string
  nonce: string
}

/** Starts a sign-in round trip that returns to `returnTo` (already validated). */
export function startSignIn(secret: string, returnTo: string, now = Date.now()): SignInFlow {
  const f = randomBytes(12).toString('base64url')
  const nonce = randomBytes(32).toString('base64url')
  const state = signSignInState(secret, {
    f,
    h: digest(nonce),
    r: returnTo,
    exp: now + SIGN_IN_TTL_MS,
  })
  return { state, cookieName: signInCookieName(f), nonce }
}

/** The cookie of one sign-in flow. */
export const signInCookieName = (flowId: string): string => `${COOKIE_PREFIX}${flowId}`

// Domain-separated from the other payloads signed with the same installation secret.
const PURPOSE = 'mandate.as.account-sign-in'

/** Signs the claims of a sign-in state (domain-separated from other signed payloads). */
export function signSignInState(secret: string, claims: SignInClaims): string {
  return signPayload(secret, PURPOSE, claims)
}

/** The claims of a state with a valid signature that has not expired, else undefined. */
export function verifySignInState(
  secret: string,
  state: string,
  now = Date.now(),
): SignInClaims | undefined {
  const claims = verifyPayload(secret, PURPOSE, state) as Partial<SignInClaims> | undefined
  if (typeof claims?.exp !== 'number' || claims.exp <= now) return undefined
  const { f, h, r } = claims
  if (typeof f !== 'string' || typeof h !== 'string' || typeof r !== 'string') return undefined
  return { f, h, r, exp: claims.exp }
}

/** Whether the browser's cookie holds the nonce this state was bound to. */
export function cookieMatches(claims: SignInClaims, cookie: string | undefined): boolean {
  return cookie !== undefined && same(digest(cookie), claims.h)
}

/**
 * A `return_to` we may redirect to (catalogue #6, RFC 9700 §4.11.1): a path-absolute reference
 * on our origin. It starts with exactly one `/` (so no scheme such as `https:` or `javascript:`
 * and no `//host`), holds no backslash (browsers read `/\host` as `//host`), whitespace or
 * control character, and is of bounded length. The redirect is then `issuer origin + path`.
 */
export function validReturnTo(value: string): boolean {
  if (value.length === 0 || value.length > RETURN_TO_MAX_LENGTH) return false
  if (!value.startsWith('/') || value.startsWith('//')) return false
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code <= 0x20 || code === 0x7f || code === 0x5c) return false
  }
  return true
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
