import { findUser, listUsers } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { KeyWrapper } from '@mandate/vault'
import { addUser, linkUpstreamUser } from './add-user.ts'
import type { NewUser } from './add-user.ts'
import { LoginThrottle } from './login-throttle.ts'
import {
  deleteUserAccount,
  resetUserMfa,
  setUserDisabled,
  setUserPassword,
} from './manage-users.ts'
import {
  beginTotp,
  checkSecondFactor,
  confirmTotp,
  pendingTotpSecret,
  regenerateRecoveryCodes,
} from './totp-enrolment.ts'
import { normaliseUsername, summary } from './user-summary.ts'
import type { LoginResult, UserSummary } from './user-summary.ts'
import { verifyLogin } from './verify-login.ts'

export type { LoginResult, UserSummary } from './user-summary.ts'

/**
 * Local user accounts: the operations behind `mandate users …`, the sign-in and account pages
 * and oidc-provider's `findAccount`. Each operation lives in its own file of `users/`.
 * @example
 * ```ts
 * const users = new Users(store, keys)
 * await users.add({ username: 'alice', password: 'correct horse battery' })
 * const result = await users.verifyLogin('alice', 'correct horse battery')
 * ```
 */
export class Users {
  readonly #store: Store
  readonly #keys: KeyWrapper
  readonly #throttle: LoginThrottle

  /** @param keys seals TOTP secrets at rest (`sealValue`); the vault's keys in `mandate serve`. */
  constructor(store: Store, keys: KeyWrapper) {
    this.#store = store
    this.#keys = keys
    this.#throttle = new LoginThrottle(store)
  }

  /** Adds a local user (see {@link addUser}). */
  add(input: NewUser): Promise<UserSummary> {
    return addUser(this.#store, input)
  }

  /** Every user, by username. */
  async list(): Promise<UserSummary[]> {
    return (await listUsers(this.#store)).map(summary)
  }

  /** A user by id (every token request asks: a disabled account stops refreshing at once). */
  async get(id: string): Promise<UserSummary | undefined> {
    const row = await findUser(this.#store, { id })
    return row === undefined ? undefined : summary(row)
  }

  /** A user by username (case and surrounding spaces ignored). */
  async findByUsername(username: string): Promise<UserSummary | undefined> {
    const row = await findUser(this.#store, { username: normaliseUsername(username) })
    return row === undefined ? undefined : summary(row)
  }

  /** Disables (ending every grant and token) or re-enables an account. */
  setDisabled(username: string, disabled: boolean): Promise<void> {
    return setUserDisabled(this.#store, username, disabled)
  }

  /** Sets a new password; the user's grants and tokens end. */
  setPassword(username: string, password: string): Promise<void> {
    return setUserPassword(this.#store, username, password)
  }

  /**
   * Deletes the account: every grant and browser session ends, every token issued so far is
   * refused everywhere (docs/revocation.md), then the user's row and roles are removed.
   */
  delete(username: string): Promise<void> {
    return deleteUserAccount(this.#store, username)
  }

  /** Removes the TOTP enrolment and recovery codes (the user enrols again at next login). */
  resetMfa(username: string): Promise<void> {
    return resetUserMfa(this.#store, username)
  }

  /** Replaces an enrolled user's recovery codes with ten new ones (the old ones stop working). */
  regenerateRecoveryCodes(id: string): Promise<string[]> {
    return regenerateRecoveryCodes(this.#store, id)
  }

  /** Checks a password with lockout and backoff (see {@link verifyLogin}). */
  verifyLogin(username: string, password: string, now: number = Date.now()): Promise<LoginResult> {
    return verifyLogin(this.#store, this.#throttle, username, password, now)
  }

  /** Forgets the failure counters not touched for a day (called periodically by the server). */
  purgeLoginFailures(now: number = Date.now()): Promise<void> {
    return this.#throttle.purge(now)
  }

  /** Starts a TOTP enrolment: a new secret, stored sealed but not active until confirmed. */
  beginTotp(id: string): Promise<string> {
    return beginTotp(this.#store, this.#keys, id)
  }

  /** The secret of an enrolment begun but not confirmed (to show it again after a wrong code). */
  pendingTotpSecret(id: string): Promise<string | undefined> {
    return pendingTotpSecret(this.#store, this.#keys, id)
  }

  /** Confirms an enrolment with a first code; returns ten one-time recovery codes. */
  confirmTotp(id: string, code: string, now: number = Date.now()): Promise<string[] | undefined> {
    return confirmTotp(this.#store, this.#keys, id, code, now)
  }

  /**
   * Checks a TOTP code (or a recovery code, consumed on use). A code's time step is accepted
   * once only (RFC 6238 §5.2), atomically across instances.
   */
  verifyTotp(
    id: string,
    code: string,
    now: number = Date.now(),
    enrolling = false,
  ): Promise<boolean> {
    return checkSecondFactor(this.#store, this.#keys, id, code, now, enrolling)
  }

  /** Finds or creates the local user linked to an upstream identity (upstream login). */
  linkUpstream(
    issuer: string,
    subject: string,
    claims: { email?: string; name?: string },
  ): Promise<UserSummary> {
    return linkUpstreamUser(this.#store, issuer, subject, claims)
  }
}
