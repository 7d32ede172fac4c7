import { sql } from 'kysely'
import type { Store } from '../store.ts'

/** Reads a named installation value, or undefined. */
export async function getMeta(store: Store, name: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('mandate_meta')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirst()
  return row?.value
}

/**
 * Stores `value` under `name` unless a value is already there; returns the value that is
 * stored afterwards (first writer wins across instances).
 */
export async function setMetaIfAbsent(store: Store, name: string, value: string): Promise<string> {
  await store.db
    .insertInto('mandate_meta')
    .values({ name, value })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute()
  return (await getMeta(store, name)) ?? value
}

/** Named values whose name starts with `prefix`. */
export async function listMeta(
  store: Store,
  prefix: string,
): Promise<{ name: string; value: string }[]> {
  return store.db
    .selectFrom('mandate_meta')
    .select(['name', 'value'])
    .where(sql`substr(name, 1, ${prefix.length})`, '=', prefix)
    .execute()
}

/** Deletes a named value; true when it existed. */
export async function deleteMeta(store: Store, name: string): Promise<boolean> {
  const result = await store.db
    .deleteFrom('mandate_meta')
    .where('name', '=', name)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}
