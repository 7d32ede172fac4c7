import { deleteUserRole, findUser, insertUserRole, listUserRoles } from '@mandate/store'
import type { Store } from '@mandate/store'
import { AuthorizationServerError } from '../errors.ts'
import { normaliseUsername } from './user-summary.ts'

/** Roles a local user may hold. `operator` opens the operator console (/admin). */
export const USER_ROLES = ['operator'] as const
/** One of {@link USER_ROLES}. */
export type UserRole = (typeof USER_ROLES)[number]

function checkRole(role: string): UserRole {
  if (!(USER_ROLES as readonly string[]).includes(role)) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      `unknown role (one of ${USER_ROLES.join(', ')})`,
    )
  }
  return role as UserRole
}

async function userId(store: Store, username: string): Promise<string> {
  const row = await findUser(store, { username: normaliseUsername(username) })
  if (row === undefined) throw new AuthorizationServerError('ERR_AS_USER_NOT_FOUND', 'no such user')
  return row.id
}

/** `mandate users grant-role <user> <role>`: idempotent. */
export async function grantUserRole(store: Store, username: string, role: string): Promise<void> {
  const checked = checkRole(role)
  const id = await userId(store, username)
  await insertUserRole(store, id, checked)
}

/** `mandate users revoke-role <user> <role>`: idempotent. */
export async function revokeUserRole(store: Store, username: string, role: string): Promise<void> {
  const checked = checkRole(role)
  const id = await userId(store, username)
  await deleteUserRole(store, id, checked)
}

/** The roles of a user (by id). */
export async function userRoles(store: Store, id: string): Promise<UserRole[]> {
  const roles = await listUserRoles(store, id)
  return roles.filter((r): r is UserRole => r === 'operator')
}
