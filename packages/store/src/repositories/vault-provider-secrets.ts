import type { Store } from '../store.ts'

// Operator-registered providers' OAuth client credentials (`vault_provider_secrets`), sealed by
// @mandate/vault; re-wrapped by key rotation.

/** Stores a provider's encrypted client credentials (insert or replace). */
export async function putVaultProviderSecret(
  store: Store,
  provider: string,
  secret: string,
  keyVersion: number,
  now: number = Date.now(),
): Promise<void> {
  await store.db
    .insertInto('vault_provider_secrets')
    .values({ provider, secret, key_version: keyVersion, updated_at: now })
    .onConflict((conflict) =>
      conflict.column('provider').doUpdateSet({ secret, key_version: keyVersion, updated_at: now }),
    )
    .execute()
}

/** A provider's sealed client secret and the key version it is sealed under. */
export async function getVaultProviderSecret(
  store: Store,
  provider: string,
): Promise<{ secret: string; key_version: number } | undefined> {
  return store.db
    .selectFrom('vault_provider_secrets')
    .select(['secret', 'key_version'])
    .where('provider', '=', provider)
    .executeTakeFirst()
}

/** Provider secrets not under `keyVersion`, for re-wrapping. */
export async function listVaultProviderSecretsToRewrap(
  store: Store,
  keyVersion: number,
): Promise<{ provider: string; secret: string }[]> {
  return store.db
    .selectFrom('vault_provider_secrets')
    .select(['provider', 'secret'])
    .where('key_version', '<>', keyVersion)
    .execute()
}

/**
 * Replaces a provider secret with its re-wrapped form unless it changed meanwhile; returns whether
 * it was replaced.
 */
export async function rewrapVaultProviderSecret(
  store: Store,
  provider: string,
  previousSecret: string,
  secret: string,
  keyVersion: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('vault_provider_secrets')
    .set({ secret, key_version: keyVersion })
    .where('provider', '=', provider)
    .where('secret', '=', previousSecret)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
