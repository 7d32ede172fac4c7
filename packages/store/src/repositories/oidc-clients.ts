import type { Store } from '../store.ts'

/** A stored (dynamically registered) client: its metadata and whether an operator disabled it. */
export interface ClientRecord {
  payload: string
  consumed_at: number | null
  expires_at: number | null
}

/** The stored clients whose registration has not expired at `now`. */
export async function listClientRecords(
  store: Store,
  now: number = Date.now(),
): Promise<ClientRecord[]> {
  return store.db
    .selectFrom('as_oidc_records')
    .select(['payload', 'consumed_at', 'expires_at'])
    .where('model', '=', 'Client')
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .execute()
}

/** The metadata of the stored clients whose ids hash to `idHashes` (for labels). */
export async function findClientRecords(
  store: Store,
  idHashes: readonly string[],
): Promise<{ id_hash: string; payload: string }[]> {
  if (idHashes.length === 0) return []
  return store.db
    .selectFrom('as_oidc_records')
    .select(['id_hash', 'payload'])
    .where('model', '=', 'Client')
    .where('id_hash', 'in', idHashes)
    .execute()
}
