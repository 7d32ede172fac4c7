import type { Insertable, Selectable } from 'kysely'
import type { Store } from '../store.ts'
import type { VaultCredentialTable } from '../schema.ts'
import { preparedQuery } from '../lib/prepared-query.ts'
import { batchedCredentialLookup } from './vault-credential-batch.ts'

/** A stored third-party credential; `secret` is a vault envelope. */
export type VaultCredentialRow = Selectable<VaultCredentialTable>
/** A credential row without its envelope: what listings return. */
export type VaultCredentialMetadataRow = Omit<VaultCredentialRow, 'secret'>

const METADATA_COLUMNS = [
  'id',
  'sub',
  'provider',
  'account',
  'kind',
  'is_default',
  'status',
  'scopes',
  'token_type',
  'expires_at',
  'key_version',
  'version',
  'refresh_failures',
  'refresh_blocked_until',
  'last_used_at',
  'created_at',
  'updated_at',
] as const

/** Stores a new credential. */
export async function insertVaultCredential(
  store: Store,
  row: Insertable<VaultCredentialTable>,
): Promise<void> {
  await store.db.insertInto('vault_credentials').values(row).execute()
}

/** One credential of one user: never looked up by id alone (catalogue #200). */
export async function getVaultCredential(
  store: Store,
  sub: string,
  id: string,
): Promise<VaultCredentialRow | undefined> {
  return store.db
    .selectFrom('vault_credentials')
    .selectAll()
    .where('id', '=', id)
    .where('sub', '=', sub)
    .executeTakeFirst()
}

/** The user's credential for `provider`: the named account, or the default one. */
export async function findVaultCredential(
  store: Store,
  sub: string,
  provider: string,
  account?: string,
): Promise<VaultCredentialRow | undefined> {
  // The read path of every tool call (getFreshCredential): on PostgreSQL concurrent reads share
  // one prepared statement and round trip; on SQLite (in-process, no round trip) one each.
  return store.kind === 'postgres'
    ? findBatched(store, sub, provider, account ?? null)
    : findOne(store, sub, provider, account ?? null)
}

/** One lookup, built once and prepared on PostgreSQL. */
async function findOne(
  store: Store,
  sub: string,
  provider: string,
  account: string | null,
): Promise<VaultCredentialRow | undefined> {
  const { rows } =
    account === null
      ? await findDefault(store.db, sub, provider)
      : await findAccount(store.db, sub, provider, account)
  return rows[0]
}

const ROW_COLUMNS = [...METADATA_COLUMNS, 'secret'] as const
const findBatched = batchedCredentialLookup(ROW_COLUMNS, findOne)
const findDefault = preparedQuery(2, (db, sub: string, provider: string) =>
  db
    .selectFrom('vault_credentials')
    .select(ROW_COLUMNS)
    .where('sub', '=', sub)
    .where('provider', '=', provider)
    .where('is_default', '=', 1)
    .limit(1),
)
const findAccount = preparedQuery(3, (db, sub: string, provider: string, account: string) =>
  db
    .selectFrom('vault_credentials')
    .select(ROW_COLUMNS)
    .where('sub', '=', sub)
    .where('provider', '=', provider)
    .where('account', '=', account)
    .limit(1),
)

/** Metadata of a user's credentials; the envelope column is never selected. */
export async function listVaultCredentials(
  store: Store,
  sub: string,
): Promise<VaultCredentialMetadataRow[]> {
  return store.db
    .selectFrom('vault_credentials')
    .select(METADATA_COLUMNS)
    .where('sub', '=', sub)
    .orderBy('provider')
    .orderBy('created_at')
    .execute()
}

/** The columns a refresh or re-link writes together with a new envelope. */
export interface VaultSecretUpdate {
  secret: string
  key_version: number
  status: VaultCredentialTable['status']
  scopes: string
  token_type: string
  expires_at: number | null
}

/**
 * Compare-and-swap: writes a new envelope only if nobody wrote one since `expectedVersion` was
 * read, and bumps the version. Resets the refresh failure state. True when the write happened.
 */
export async function swapVaultSecret(
  store: Store,
  id: string,
  expectedVersion: number,
  update: VaultSecretUpdate,
  now: number = Date.now(),
): Promise<boolean> {
  const result = await store.db
    .updateTable('vault_credentials')
    .set({
      ...update,
      version: expectedVersion + 1,
      refresh_failures: 0,
      refresh_blocked_until: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Marks a credential unusable until the user links again; CAS on the version read. */
export async function markVaultNeedsReauth(
  store: Store,
  id: string,
  expectedVersion: number,
  now: number = Date.now(),
): Promise<boolean> {
  const result = await store.db
    .updateTable('vault_credentials')
    .set({ status: 'needs_reauth', version: expectedVersion + 1, updated_at: now })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Records a failed refresh; touches neither the envelope nor the version. */
export async function recordVaultRefreshFailure(
  store: Store,
  id: string,
  failures: number,
  blockedUntil: number,
): Promise<void> {
  await store.db
    .updateTable('vault_credentials')
    .set({ refresh_failures: failures, refresh_blocked_until: blockedUntil })
    .where('id', '=', id)
    .execute()
}

/** Updates `last_used_at`; touches neither the envelope nor the version. */
export async function touchVaultCredential(store: Store, id: string, now: number): Promise<void> {
  await store.db
    .updateTable('vault_credentials')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .execute()
}

/**
 * Replaces the envelope with the same secret under another key, only if it is still the one
 * that was re-wrapped (so a concurrent refresh always wins). The version is left alone.
 */
export async function rewrapVaultCredential(
  store: Store,
  id: string,
  previousSecret: string,
  secret: string,
  keyVersion: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('vault_credentials')
    .set({ secret, key_version: keyVersion })
    .where('id', '=', id)
    .where('secret', '=', previousSecret)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Up to `limit` credentials not under `keyVersion`, by id after `afterId`. */
export async function listVaultCredentialsToRewrap(
  store: Store,
  keyVersion: number,
  afterId: string,
  limit: number,
): Promise<Pick<VaultCredentialRow, 'id' | 'sub' | 'provider' | 'secret'>[]> {
  return store.db
    .selectFrom('vault_credentials')
    .select(['id', 'sub', 'provider', 'secret'])
    .where('key_version', '<>', keyVersion)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute()
}

/** How many vault records (credentials and provider secrets) a key version protects. */
export async function countVaultRecordsWithKeyVersion(
  store: Store,
  keyVersion: number,
): Promise<number> {
  const [credentials, providers] = await Promise.all([
    store.db
      .selectFrom('vault_credentials')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('key_version', '=', keyVersion)
      .executeTakeFirstOrThrow(),
    store.db
      .selectFrom('vault_provider_secrets')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('key_version', '=', keyVersion)
      .executeTakeFirstOrThrow(),
  ])
  return Number(credentials.n) + Number(providers.n)
}

/** Makes `id` the user's default account for its provider. False if no such credential. */
export async function setDefaultVaultCredential(
  store: Store,
  sub: string,
  id: string,
): Promise<boolean> {
  return store.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('vault_credentials')
      .select('provider')
      .where('id', '=', id)
      .where('sub', '=', sub)
      .executeTakeFirst()
    if (row === undefined) return false
    await trx
      .updateTable('vault_credentials')
      .set({ is_default: 0 })
      .where('sub', '=', sub)
      .where('provider', '=', row.provider)
      .where('is_default', '=', 1)
      .execute()
    await trx.updateTable('vault_credentials').set({ is_default: 1 }).where('id', '=', id).execute()
    return true
  })
}

/** Deletes one credential of one user. True when a row was deleted. */
export async function deleteVaultCredential(
  store: Store,
  sub: string,
  id: string,
): Promise<boolean> {
  const result = await store.db
    .deleteFrom('vault_credentials')
    .where('id', '=', id)
    .where('sub', '=', sub)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Makes `id` the default unless the user already has a default for the provider. */
export async function claimDefaultVaultCredential(
  store: Store,
  sub: string,
  provider: string,
  id: string,
): Promise<void> {
  const existing = await store.db
    .selectFrom('vault_credentials')
    .select('id')
    .where('sub', '=', sub)
    .where('provider', '=', provider)
    .where('is_default', '=', 1)
    .executeTakeFirst()
  if (existing !== undefined) return
  try {
    await store.db
      .updateTable('vault_credentials')
      .set({ is_default: 1 })
      .where('id', '=', id)
      .execute()
  } catch {
    // A concurrent link claimed it first (unique partial index): this account stays non-default.
  }
}
