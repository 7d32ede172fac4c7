import type { Store } from '../store.ts'

/** The end of the lock recorded for a sign-in failure key, or null (whether or not it is over). */
export async function loginLockedUntil(store: Store, keyHash: string): Promise<number | null> {
  const row = await store.db
    .selectFrom('as_login_failures')
    .select('locked_until')
    .where('key_hash', '=', keyHash)
    .executeTakeFirst()
  return row?.locked_until ?? null
}

/**
 * Counts one sign-in failure with a single atomic increment, so that parallel failures on any
 * instance all count. Returns the count after this failure.
 */
export async function incrementLoginFailures(
  store: Store,
  keyHash: string,
  now: number,
): Promise<number> {
  const row = await store.db
    .insertInto('as_login_failures')
    .values({ key_hash: keyHash, failed_logins: 1, locked_until: null, updated_at: now })
    .onConflict((conflict) =>
      conflict.column('key_hash').doUpdateSet((eb) => ({
        failed_logins: eb('as_login_failures.failed_logins', '+', 1),
        updated_at: now,
      })),
    )
    .returning('failed_logins')
    .executeTakeFirstOrThrow()
  return row.failed_logins
}

/** Locks a key until `until` unless a longer lock is recorded: a lock only ever grows. */
export async function extendLoginLock(store: Store, keyHash: string, until: number): Promise<void> {
  await store.db
    .updateTable('as_login_failures')
    .set({ locked_until: until })
    .where('key_hash', '=', keyHash)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', until)]))
    .execute()
}

/**
 * Forgets a key's failures; with `unlockedAt`, only when no lock is in force at that time (a
 * lock that took effect meanwhile stays).
 */
export async function clearLoginFailures(
  store: Store,
  keyHash: string,
  unlockedAt?: number,
): Promise<void> {
  let query = store.db.deleteFrom('as_login_failures').where('key_hash', '=', keyHash)
  if (unlockedAt !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', unlockedAt)]),
    )
  }
  await query.execute()
}

/** Drops the counters last touched before `touchedBefore` whose lock (if any) is over at `now`. */
export async function purgeLoginFailures(
  store: Store,
  touchedBefore: number,
  now: number,
): Promise<void> {
  await store.db
    .deleteFrom('as_login_failures')
    .where('updated_at', '<', touchedBefore)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .execute()
}
