import type { Selectable } from 'kysely'
import type { AsSigningKeyTable } from '../schema.ts'
import type { Store } from '../store.ts'

/** An authorization-server signing key as stored; `private_jwk` is sealed. */
export type SigningKeyRow = Selectable<AsSigningKeyTable>

/** The keys not retired at `now` (active, pending and retiring ones). */
export async function listLiveSigningKeys(store: Store, now: number): Promise<SigningKeyRow[]> {
  return store.db
    .selectFrom('as_signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retires_at', 'is', null), eb('retires_at', '>', now)]))
    .execute()
}

/** Adds a signing key. */
export async function insertSigningKey(store: Store, row: SigningKeyRow): Promise<void> {
  await store.db.insertInto('as_signing_keys').values(row).execute()
}

/** Schedules the retirement of every key that has none scheduled (a rotation begins). */
export async function retireUnscheduledSigningKeys(store: Store, retiresAt: number): Promise<void> {
  await store.db
    .updateTable('as_signing_keys')
    .set({ retires_at: retiresAt })
    .where('retires_at', 'is', null)
    .execute()
}

/** Retires one key at `retiresAt` (withdrawn before its schedule). */
export async function retireSigningKey(
  store: Store,
  kid: string,
  retiresAt: number,
): Promise<void> {
  await store.db
    .updateTable('as_signing_keys')
    .set({ retires_at: retiresAt })
    .where('kid', '=', kid)
    .execute()
}

/** Kids and schedule of every key, by kid: changes whenever any process edits the key table. */
export async function signingKeySchedule(
  store: Store,
): Promise<Pick<SigningKeyRow, 'kid' | 'activates_at' | 'retires_at'>[]> {
  return store.db
    .selectFrom('as_signing_keys')
    .select(['kid', 'activates_at', 'retires_at'])
    .orderBy('kid')
    .execute()
}
