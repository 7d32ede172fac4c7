import type { Store } from '../store.ts'

/** A provider an operator registered (`mandate providers add`): metadata only, no secret. */
export interface ProviderRow {
  id: string
  /** The provider definition as JSON (a preset reference or a full definition). */
  definition: string
  client_id: string | null
  created_at: number
  updated_at: number
}

/** Inserts or replaces a registered provider. */
export async function putProvider(
  store: Store,
  row: { id: string; definition: string; client_id: string | null },
  now: number = Date.now(),
): Promise<void> {
  await store.db
    .insertInto('providers')
    .values({ ...row, created_at: now, updated_at: now })
    .onConflict((conflict) =>
      conflict
        .column('id')
        .doUpdateSet({ definition: row.definition, client_id: row.client_id, updated_at: now }),
    )
    .execute()
}

/** Every registered provider, by id. */
export async function listProviders(store: Store): Promise<ProviderRow[]> {
  return store.db.selectFrom('providers').selectAll().orderBy('id').execute()
}

/**
 * Removes a registered provider and its sealed client registration in one transaction.
 * Returns whether the provider was registered.
 */
export async function deleteProvider(store: Store, id: string): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('providers').where('id', '=', id).executeTakeFirst()
    await trx.deleteFrom('vault_provider_secrets').where('provider', '=', id).execute()
    return result.numDeletedRows > 0n
  })
}
