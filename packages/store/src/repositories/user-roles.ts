import type { Store } from '../store.ts'

/** Gives a user a role; idempotent (a role held already keeps its grant time). */
export async function insertUserRole(
  store: Store,
  userId: string,
  role: string,
  now: number = Date.now(),
): Promise<void> {
  await store.db
    .insertInto('as_user_roles')
    .values({ user_id: userId, role, granted_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
    .execute()
}

/** Takes a role from a user; idempotent. */
export async function deleteUserRole(store: Store, userId: string, role: string): Promise<void> {
  await store.db
    .deleteFrom('as_user_roles')
    .where('user_id', '=', userId)
    .where('role', '=', role)
    .execute()
}

/** The roles a user holds, as stored (the authorization server checks them against its list). */
export async function listUserRoles(store: Store, userId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('as_user_roles')
    .select('role')
    .where('user_id', '=', userId)
    .execute()
  return rows.map((row) => row.role)
}
