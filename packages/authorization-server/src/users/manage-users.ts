import { clearLoginFailures, deleteUser, findUser, updateUser } from '@mandate/store'
import type { Store } from '@mandate/store'
import { hashPassword } from '../passwords/password.ts'
import { revokeUserAccess } from '../revocation/announce-revocation.ts'
import { loginThrottleKey } from './login-throttle.ts'
import { checkPasswordPolicy, normaliseUsername, requireFound } from './user-summary.ts'

// The operator's changes to an account (`mandate users …`, the console). Each one that takes
// something away ends the user's grants and sessions and refuses every token issued so far
// (docs/revocation.md).

/** Disables or re-enables an account. @throws `ERR_AS_USER_NOT_FOUND` */
export async function setUserDisabled(
  store: Store,
  username: string,
  disabled: boolean,
): Promise<void> {
  requireFound(
    await updateUser(
      store,
      { username: normaliseUsername(username) },
      { disabled_at: disabled ? Date.now() : null },
    ),
  )
  if (disabled) await revokeUserAccess(store, { username }, 'user_disabled')
}

/** Sets a new password and forgets the name's sign-in failures. @throws `ERR_AS_USER_NOT_FOUND` */
export async function setUserPassword(
  store: Store,
  username: string,
  password: string,
): Promise<void> {
  checkPasswordPolicy(password)
  const name = normaliseUsername(username)
  requireFound(
    await updateUser(store, { username: name }, { password_hash: await hashPassword(password) }),
  )
  await revokeUserAccess(store, { username: name }, 'password_reset')
  await clearLoginFailures(store, loginThrottleKey(name))
}

/**
 * Deletes the account: every grant and browser session ends, every token issued so far is
 * refused everywhere, then the user's row and roles are removed. @throws `ERR_AS_USER_NOT_FOUND`
 */
export async function deleteUserAccount(store: Store, username: string): Promise<void> {
  const user = await findUser(store, { username: normaliseUsername(username) })
  requireFound(user !== undefined)
  await revokeUserAccess(store, { id: user.id }, 'user_deleted')
  await deleteUser(store, user.id)
}

/**
 * Removes the TOTP enrolment and recovery codes (the user enrols again at next sign-in).
 * @throws `ERR_AS_USER_NOT_FOUND`
 */
export async function resetUserMfa(store: Store, username: string): Promise<void> {
  requireFound(
    await updateUser(
      store,
      { username: normaliseUsername(username) },
      { totp_secret: null, totp_enrolled_at: null, totp_last_step: null, recovery_codes: null },
    ),
  )
  await revokeUserAccess(store, { username }, 'mfa_reset')
}
