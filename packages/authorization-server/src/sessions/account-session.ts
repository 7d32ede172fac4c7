import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { HttpBindings } from '@hono/node-server'
import type Provider from 'oidc-provider'
import { signStep, verifyStep } from './step-token.ts'

type Env = { Bindings: HttpBindings }

/** How recent a sign-in must be to change the second factor from the account page. */
export const RECENT_SIGN_IN_MS = 10 * 60_000
const REAUTH_COOKIE = 'mandate_account_reauth'

/** Who is signed in at the authorization server, as the account pages need it. */
export interface AccountSession {
  accountId: string
  uid: string
  /** Milliseconds since the epoch of the session's sign-in (oidc-provider `loginTs`). */
  authTime: number
}

/** The signed-in user of oidc-provider's session cookie, if any. */
export async function accountSession<E extends Env>(
  provider: Provider,
  c: Context<E>,
): Promise<AccountSession | undefined> {
  const ctx = provider.createContext(c.env.incoming, c.env.outgoing)
  const found = await provider.Session.get(ctx)
  if (found.accountId === undefined) return undefined
  return { accountId: found.accountId, uid: found.uid, authTime: (found.authTime() ?? 0) * 1000 }
}

/** The CSRF binding of the account forms: the session, so another session's token is refused. */
export const accountBinding = (s: AccountSession): string => `account:${s.uid}`

/**
 * Whether the user signed in (or re-entered the password on /account/reauth) within the last
 * ten minutes. The re-authentication is a signed, session-bound, short-lived cookie.
 */
export function recentlySignedIn<E extends Env>(
  c: Context<E>,
  secret: string,
  s: AccountSession,
): boolean {
  const now = Date.now()
  if (now - s.authTime <= RECENT_SIGN_IN_MS) return true
  const step = verifyStep(secret, getCookie(c, REAUTH_COOKIE) ?? '', accountBinding(s), now)
  return step?.sub === s.accountId
}

/**
 * Records a password re-entered on /account/reauth in a signed, session-bound cookie that counts as
 * a recent sign-in for ten minutes.
 */
export function markReauthenticated<E extends Env>(
  c: Context<E>,
  secret: string,
  s: AccountSession,
  secure: boolean,
): void {
  const exp = Date.now() + RECENT_SIGN_IN_MS
  setCookie(
    c,
    REAUTH_COOKIE,
    signStep(secret, { uid: accountBinding(s), sub: s.accountId, amr: ['pwd'], exp }),
    { path: '/account', httpOnly: true, sameSite: 'Lax', secure, maxAge: RECENT_SIGN_IN_MS / 1000 },
  )
}
