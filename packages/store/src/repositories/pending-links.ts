import type { Insertable, Selectable } from 'kysely'
import type { Store } from '../store.ts'
import type { ServerPendingLinkTable } from '../schema.ts'

/**
 * A pending account link as stored (`server_pending_links`): bound to the user's `sub`, keyed by
 * the SHA-256 of its URL id (the id itself is never stored, catalogue #178).
 */
export type PendingLinkRow = Selectable<ServerPendingLinkTable>

/** Stores a new pending link (status `pending`). */
export async function insertPendingLink(
  store: Store,
  row: Insertable<ServerPendingLinkTable>,
): Promise<void> {
  await store.db.insertInto('server_pending_links').values(row).execute()
}

/** The link whose URL id hashes to `idHash` (the connect pages), or `undefined`. */
export async function findPendingLinkByIdHash(
  store: Store,
  idHash: string,
): Promise<PendingLinkRow | undefined> {
  return store.db
    .selectFrom('server_pending_links')
    .selectAll()
    .where('id_hash', '=', idHash)
    .executeTakeFirst()
}

/** The link whose provider transaction carries OAuth `state` (the provider callback). */
export async function findPendingLinkByState(
  store: Store,
  state: string,
): Promise<PendingLinkRow | undefined> {
  return store.db
    .selectFrom('server_pending_links')
    .selectAll()
    .where('state', '=', state)
    .executeTakeFirst()
}

/**
 * `pending` → `started` with the provider transaction (JSON), atomically: true for the one
 * caller that moved it, false for a replay or a double submit (single use).
 */
export async function markPendingLinkStarted(
  store: Store,
  idHash: string,
  started: { state: string; transaction: string },
): Promise<boolean> {
  const result = await store.db
    .updateTable('server_pending_links')
    .set({ status: 'started', state: started.state, transaction: started.transaction })
    .where('id_hash', '=', idHash)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** `started` → `done`, atomically, dropping the transaction (a replayed callback finds nothing). */
export async function markPendingLinkDone(
  store: Store,
  idHash: string,
  now: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('server_pending_links')
    .set({ status: 'done', transaction: null, completed_at: now })
    .where('id_hash', '=', idHash)
    .where('status', '=', 'started')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Elicitation ids of the links `sub` completed for OAuth client `clientId` since `since` (ms). */
export async function completedLinkElicitations(
  store: Store,
  caller: { sub: string; clientId: string },
  since: number,
): Promise<string[]> {
  const rows = await store.db
    .selectFrom('server_pending_links')
    .select('elicitation_id')
    .where('sub', '=', caller.sub)
    .where('completed_at', '>=', since)
    .where('client_id', '=', caller.clientId)
    .execute()
  return rows.map((row) => row.elicitation_id)
}

/** Deletes the links that expired before `before` (ms since the epoch). */
export async function deleteExpiredPendingLinks(store: Store, before: number): Promise<void> {
  await store.db.deleteFrom('server_pending_links').where('expires_at', '<', before).execute()
}

/** The links `sub` has not acted on yet (`pending`, unexpired at `now`), newest first. */
export async function listOpenPendingLinks(
  store: Store,
  sub: string,
  now: number,
): Promise<PendingLinkRow[]> {
  return store.db
    .selectFrom('server_pending_links')
    .selectAll()
    .where('sub', '=', sub)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .limit(50)
    .execute()
}

/**
 * Gives `sub`'s pending link a new URL id (its hash `toHash`), atomically: the owner reopens a
 * request whose URL only its hash remembers; the old URL stops working.
 */
export async function rekeyPendingLink(
  store: Store,
  link: { idHash: string; sub: string },
  toHash: string,
): Promise<boolean> {
  const result = await store.db
    .updateTable('server_pending_links')
    .set({ id_hash: toHash })
    .where('id_hash', '=', link.idHash)
    .where('sub', '=', link.sub)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** `pending` → `cancelled` for `sub`'s own link (never completed, so no client hears of it). */
export async function cancelPendingLink(
  store: Store,
  link: { idHash: string; sub: string },
): Promise<boolean> {
  const result = await store.db
    .updateTable('server_pending_links')
    .set({ status: 'cancelled', transaction: null })
    .where('id_hash', '=', link.idHash)
    .where('sub', '=', link.sub)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Deletes every link of `sub`, whatever its state (the user is deleted); returns how many. */
export async function deletePendingLinksOf(store: Store, sub: string): Promise<number> {
  const result = await store.db.deleteFrom('server_pending_links').where('sub', '=', sub).execute()
  return result.reduce((sum, row) => sum + Number(row.numDeletedRows), 0)
}
