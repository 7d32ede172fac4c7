import {
  clearLoginFailures,
  extendLoginLock,
  incrementLoginFailures,
  loginLockedUntil,
  purgeLoginFailures,
} from '@mandate/store'
import type { Store } from '@mandate/store'
import { sha256Hex } from '../lib/hash.ts'

// Lockout with backoff (OWASP ASVS 2.2.1): after 5 consecutive failures, each further failure
// locks the name for 30 s doubling up to 15 min. Attempts while locked are not counted (no
// lock-out-forever by a third party). Counted per username whether or not it exists, so that
// a lock says nothing about which accounts exist; forgotten after a day without failures.
/** Failures allowed before the first lock. */
export const FREE_FAILURES = 5
const BASE_LOCK_MS = 30_000
const MAX_LOCK_MS = 15 * 60_000
const FORGET_AFTER_MS = 86_400_000

/** The row key of a (normalised) username: `as_login_failures` never holds a name in clear. */
export function loginThrottleKey(username: string): string {
  return sha256Hex(`mandate:login:${username}`)
}

/** Failure counters in the store, atomic across requests and instances (both backends). */
export class LoginThrottle {
  readonly #store: Store

  /** @param store where the counters live (`as_login_failures`) */
  constructor(store: Store) {
    this.#store = store
  }

  /** The end of the lock on this key, if one is in force. */
  async lockedUntil(key: string, now: number): Promise<number | undefined> {
    const until = await loginLockedUntil(this.#store, key)
    return until !== null && until > now ? until : undefined
  }

  /**
   * Counts one failure with a single atomic increment (parallel failures all count) and locks
   * on the value it returned; a lock only ever grows, whatever order the updates land in.
   */
  async recordFailure(key: string, now: number): Promise<number> {
    const failures = await incrementLoginFailures(this.#store, key, now)
    const over = failures - FREE_FAILURES
    if (over > 0) {
      const until = now + Math.min(BASE_LOCK_MS * 2 ** Math.min(over - 1, 30), MAX_LOCK_MS)
      await extendLoginLock(this.#store, key, until)
    }
    return failures
  }

  /**
   * Clears the count after a right password, unless a lock took effect meanwhile (parallel
   * failures that landed while the password was being hashed): then returns the lock's end,
   * and the sign-in is refused like any other attempt on a locked name.
   */
  async clearUnlessLocked(key: string, now: number): Promise<number | undefined> {
    await clearLoginFailures(this.#store, key, now)
    return this.lockedUntil(key, now)
  }

  /** Forgets a name's failures (operator reset of a password). */
  async clear(key: string): Promise<void> {
    await clearLoginFailures(this.#store, key)
  }

  /** Drops counters with no failure for a day and no lock in force (called periodically). */
  async purge(now: number): Promise<void> {
    await purgeLoginFailures(this.#store, now - FORGET_AFTER_MS, now)
  }
}
