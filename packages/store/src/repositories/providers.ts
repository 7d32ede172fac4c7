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

/** What `deleteProvider` removed. */
export interface DeletedProvider {
  /** Whether the provider was registered. */
  removed: boolean
  /** The users' linked accounts of that provider deleted with it. */
  credentials: number
}

/**
 * Removes a registered provider in one transaction and, unless `keepVaultRecords` (the
 * configuration still offers that id), everything the vault holds for it: the sealed client
 * registration, every user's credential and every pending link. Deleting the credentials in the
 * same transaction is what makes the removal fail closed on every instance at once: no later
 * read finds one, whatever the instance's provider catalog still says.
 */
export async function deleteProvider(
  store: Store,
  id: string,
  options: { keepVaultRecords?: boolean } = {},
): Promise<DeletedProvider> {
  return store.db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('providers').where('id', '=', id).executeTakeFirst()
    const removed = result.numDeletedRows > 0n
    if (!removed || options.keepVaultRecords === true) return { removed, credentials: 0 }
    await trx.deleteFrom('vault_provider_secrets').where('provider', '=', id).execute()
    await trx.deleteFrom('server_pending_links').where('provider', '=', id).execute()
    const credentials = await trx
      .deleteFrom('vault_credentials')
      .where('provider', '=', id)
      .executeTakeFirst()
    return { removed, credentials: Number(credentials.numDeletedRows) }
  })
}
