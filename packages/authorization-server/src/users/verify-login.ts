import { findUser } from '@mandate/store'
import type { Store } from '@mandate/store'
import { dummyHash, verifyPassword } from '../passwords/password.ts'
import { loginThrottleKey } from './login-throttle.ts'
import type { LoginThrottle } from './login-throttle.ts'
import { normaliseUsername, summary } from './user-summary.ts'
import type { LoginResult } from './user-summary.ts'

/**
 * Checks a password with lockout and backoff (login-throttle.ts). Every attempt costs one
 * scrypt with the same parameters, for an unknown name (against a dummy hash) and a locked one
 * alike, and unknown names are counted and locked as real ones: neither the answer nor the work
 * tells which accounts exist.
 */
export async function verifyLogin(
  store: Store,
  throttle: LoginThrottle,
  username: string,
  password: string,
  now: number,
): Promise<LoginResult> {
  const name = normaliseUsername(username)
  const key = loginThrottleKey(name)
  const [row, lockedUntil] = await Promise.all([
    findUser(store, { username: name }),
    throttle.lockedUntil(key, now),
  ])
  const hash = lockedUntil === undefined ? row?.password_hash : undefined
  const valid = await verifyPassword(password, hash ?? dummyHash())
  if (lockedUntil !== undefined) {
    return { ok: false, reason: 'locked', retryAfterMs: lockedUntil - now }
  }
  if (row?.password_hash == null || !valid) {
    await throttle.recordFailure(key, now)
    return { ok: false, reason: 'invalid' }
  }
  if (row.disabled_at !== null) return { ok: false, reason: 'disabled' }
  const until = await throttle.clearUnlessLocked(key, now)
  if (until !== undefined) return { ok: false, reason: 'locked', retryAfterMs: until - now }
  return { ok: true, user: summary(row) }
}
