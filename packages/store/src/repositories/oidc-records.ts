import { compiledQuery } from '../lib/prepared-query.ts'
import type { Store } from '../store.ts'

// oidc-provider's records (`as_oidc_records`): one row per model and SHA-256 of the record's id.
// The queries of every token request are compiled once (docs/performance.md).

/** What the adapter reads of a record to rebuild oidc-provider's payload. */
export interface OidcRecordState {
  payload: string
  expires_at: number | null
  consumed_at: number | null
  reuse_count: number
}

/** A record as the adapter writes it; the columns other than `payload` index the payload. */
export interface OidcRecordWrite {
  model: string
  id_hash: string
  payload: string
  grant_id: string | null
  uid_hash: string | null
  user_code_hash: string | null
  account_id: string | null
  client_id: string | null
  expires_at: number | null
}

const findRecord = compiledQuery(2, (db, model: string, idHash: string) =>
  db
    .selectFrom('as_oidc_records')
    .select(['payload', 'expires_at', 'consumed_at', 'reuse_count'])
    .where('model', '=', model)
    .where('id_hash', '=', idHash),
)

const upsertRecord = compiledQuery(
  9,
  (
    db,
    model: string,
    idHash: string,
    payload: string,
    grantId: string | null,
    uidHash: string | null,
    userCodeHash: string | null,
    accountId: string | null,
    clientId: string | null,
    expiresAt: number | null,
  ) => {
    const columns = {
      payload,
      grant_id: grantId,
      uid_hash: uidHash,
      user_code_hash: userCodeHash,
      account_id: accountId,
      client_id: clientId,
      expires_at: expiresAt,
    }
    return db
      .insertInto('as_oidc_records')
      .values({ model, id_hash: idHash, ...columns, consumed_at: null })
      .onConflict((conflict) => conflict.columns(['model', 'id_hash']).doUpdateSet(columns))
  },
)

const consumeOnce = compiledQuery(3, (db, now: number, model: string, idHash: string) =>
  db
    .updateTable('as_oidc_records')
    .set({ consumed_at: now })
    .where('model', '=', model)
    .where('id_hash', '=', idHash)
    .where('consumed_at', 'is', null)
    .returning('model'),
)

// A rotated refresh token may be consumed once more within the grace window.
const consumeWithGrace = compiledQuery(
  4,
  (db, now: number, graceStart: number, model: string, idHash: string) =>
    db
      .updateTable('as_oidc_records')
      .set((eb) => ({
        consumed_at: eb.fn.coalesce('consumed_at', eb.val(now)),
        reuse_count: eb
          .case()
          .when('consumed_at', 'is', null)
          .then(0)
          .else(eb('reuse_count', '+', 1))
          .end(),
      }))
      .where('model', '=', model)
      .where('id_hash', '=', idHash)
      .where((eb) =>
        eb.or([
          eb('consumed_at', 'is', null),
          eb.and([eb('consumed_at', '>', graceStart), eb('reuse_count', '<', 1)]),
        ]),
      )
      .returning('model'),
)

/** A record by model and id hash, expired or not (the caller decides). */
export async function findOidcRecord(
  store: Store,
  model: string,
  idHash: string,
): Promise<OidcRecordState | undefined> {
  return (await findRecord(store.db, model, idHash)).rows[0]
}

/** A record by the hash of one of its secondary identifiers (interaction uid, user code). */
export async function findOidcRecordBy(
  store: Store,
  model: string,
  column: 'uid_hash' | 'user_code_hash',
  hash: string,
): Promise<OidcRecordState | undefined> {
  return store.db
    .selectFrom('as_oidc_records')
    .select(['payload', 'expires_at', 'consumed_at', 'reuse_count'])
    .where('model', '=', model)
    .where(column, '=', hash)
    .executeTakeFirst()
}

/**
 * Inserts or replaces a record (a replaced record keeps its consumption state). `store` may be
 * a transaction's `{ db }` (the adapter's group commit).
 */
export async function upsertOidcRecord(
  store: Pick<Store, 'db'>,
  record: OidcRecordWrite,
): Promise<void> {
  await upsertRecord(
    store.db,
    record.model,
    record.id_hash,
    record.payload,
    record.grant_id,
    record.uid_hash,
    record.user_code_hash,
    record.account_id,
    record.client_id,
    record.expires_at,
  )
}

/**
 * Marks a record consumed with an atomic compare-and-set: of N concurrent consumers on any
 * instance exactly one gets true (RFC 9700 §4.5). With `graceStart`, a record consumed after
 * that time may be consumed once more (the refresh-token grace, RFC 9700 §4.14.2).
 */
export async function consumeOidcRecord(
  store: Pick<Store, 'db'>,
  model: string,
  idHash: string,
  now: number,
  graceStart?: number,
): Promise<boolean> {
  const updated =
    graceStart === undefined
      ? await consumeOnce(store.db, now, model, idHash)
      : await consumeWithGrace(store.db, now, graceStart, model, idHash)
  return updated.rows.length > 0
}

/**
 * Marks a record consumed whatever its state (an operator disables a stored client), or clears
 * the mark with `null` (the operator enables it again).
 */
export async function markOidcRecordConsumed(
  store: Pick<Store, 'db'>,
  model: string,
  idHash: string,
  at: number | null,
): Promise<void> {
  await store.db
    .updateTable('as_oidc_records')
    .set({ consumed_at: at })
    .where('model', '=', model)
    .where('id_hash', '=', idHash)
    .execute()
}

/** Sets when a record expires (a registered client that is in use lives on). */
export async function setOidcRecordExpiry(
  store: Pick<Store, 'db'>,
  model: string,
  idHash: string,
  expiresAt: number,
): Promise<void> {
  await store.db
    .updateTable('as_oidc_records')
    .set({ expires_at: expiresAt })
    .where('model', '=', model)
    .where('id_hash', '=', idHash)
    .execute()
}

/** Deletes one record. */
export async function deleteOidcRecord(
  store: Pick<Store, 'db'>,
  model: string,
  idHash: string,
): Promise<void> {
  await store.db
    .deleteFrom('as_oidc_records')
    .where('model', '=', model)
    .where('id_hash', '=', idHash)
    .execute()
}

/**
 * Deletes the records of the given grants (the grants themselves, their codes and refresh
 * tokens), or only those of one model.
 */
export async function deleteOidcRecordsOfGrants(
  store: Pick<Store, 'db'>,
  grantIds: readonly string[],
  model?: string,
): Promise<void> {
  if (grantIds.length === 0) return
  let query = store.db.deleteFrom('as_oidc_records')
  query =
    grantIds.length === 1 && grantIds[0] !== undefined
      ? query.where('grant_id', '=', grantIds[0])
      : query.where('grant_id', 'in', grantIds)
  if (model !== undefined) query = query.where('model', '=', model)
  await query.execute()
}

/** Deletes every record expired at `now`. */
export async function purgeExpiredOidcRecords(
  store: Pick<Store, 'db'>,
  now: number,
): Promise<void> {
  await store.db.deleteFrom('as_oidc_records').where('expires_at', '<=', now).execute()
}

/** The grant a record belongs to, its payload and when it was consumed. */
export async function findOidcRecordGrant(
  store: Store,
  model: string,
  idHash: string,
): Promise<{ payload: string; grant_id: string | null; consumed_at: number | null } | undefined> {
  return store.db
    .selectFrom('as_oidc_records')
    .select(['payload', 'grant_id', 'consumed_at'])
    .where('model', '=', model)
    .where('id_hash', '=', idHash)
    .executeTakeFirst()
}

/**
 * Payloads of the other records of one model and grant consumed at or after `consumedSince`
 * (the refresh tokens that may succeed one in its rotation chain).
 */
export async function laterConsumedOidcRecords(
  store: Store,
  model: string,
  grantId: string,
  exceptIdHash: string,
  consumedSince: number,
): Promise<string[]> {
  const rows = await store.db
    .selectFrom('as_oidc_records')
    .select('payload')
    .where('model', '=', model)
    .where('grant_id', '=', grantId)
    .where('id_hash', '!=', exceptIdHash)
    .where('consumed_at', '>=', consumedSince)
    .execute()
  return rows.map((row) => row.payload)
}
