import type { Store } from '../store.ts'

// oidc-provider `Grant` records: keyed by the hash of the grant id like every record; the id
// itself is kept in `grant_id`, the owner in `account_id` and `client_id`.

/** The index columns of one grant. */
export interface GrantRecord {
  grant_id: string | null
  account_id: string | null
  client_id: string | null
  expires_at: number | null
}

/** The grant whose id hashes to `idHash`, expired or not. */
export async function findGrantRecord(
  store: Store,
  idHash: string,
): Promise<GrantRecord | undefined> {
  return store.db
    .selectFrom('as_oidc_records')
    .select(['grant_id', 'account_id', 'client_id', 'expires_at'])
    .where('model', '=', 'Grant')
    .where('id_hash', '=', idHash)
    .executeTakeFirst()
}

/** The grants recorded for one user, expired or not, with their payloads. */
export async function listGrantRecordsOf(
  store: Store,
  accountId: string,
): Promise<{ grant_id: string | null; payload: string; expires_at: number | null }[]> {
  return store.db
    .selectFrom('as_oidc_records')
    .select(['grant_id', 'payload', 'expires_at'])
    .where('account_id', '=', accountId)
    .where('model', '=', 'Grant')
    .execute()
}

/** The ids of the grants (expired or not) of one user or of one client. */
export async function grantIdsOf(
  store: Pick<Store, 'db'>,
  owner: { accountId: string } | { clientId: string },
): Promise<string[]> {
  let query = store.db.selectFrom('as_oidc_records').select('grant_id').where('model', '=', 'Grant')
  query =
    'accountId' in owner
      ? query.where('account_id', '=', owner.accountId)
      : query.where('client_id', '=', owner.clientId)
  const rows = await query.execute()
  return rows.flatMap((row) => (row.grant_id === null ? [] : [row.grant_id]))
}

/** The users holding at least one recorded grant. */
export async function grantOwners(store: Store): Promise<string[]> {
  const rows = await store.db
    .selectFrom('as_oidc_records')
    .select('account_id')
    .distinct()
    .where('model', '=', 'Grant')
    .execute()
  return rows.flatMap((row) => (row.account_id === null ? [] : [row.account_id]))
}

/**
 * The id of the live grant of a user for a client that lives longest (the most recent one),
 * so that consent given in an earlier browser session is remembered.
 */
export async function latestGrantId(
  store: Store,
  accountId: string,
  clientId: string,
  now: number = Date.now(),
): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('as_oidc_records')
    .select('grant_id')
    .where('account_id', '=', accountId)
    .where('model', '=', 'Grant')
    .where('client_id', '=', clientId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('expires_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.grant_id ?? undefined
}

/** Model, grant and payload of every record (the grant, its codes and tokens) of the grants. */
export async function listRecordsOfGrants(
  store: Store,
  grantIds: readonly string[],
): Promise<{ model: string; grant_id: string | null; payload: string }[]> {
  if (grantIds.length === 0) return []
  return store.db
    .selectFrom('as_oidc_records')
    .select(['model', 'grant_id', 'payload'])
    .where('grant_id', 'in', grantIds)
    .execute()
}
