import { createHash, randomBytes } from 'node:crypto'
import type { Store } from '@mandate/store'
import type { LinkTransaction } from '@mandate/vault'

/** A pending link as the connect pages see it (never the URL id itself). */
export interface PendingLink {
  idHash: string
  sub: string
  /** The OAuth client the link was made for (it alone hears of the completion). */
  clientId: string | undefined
  elicitationId: string
  provider: string
  scopes: string[]
  status: 'pending' | 'started' | 'done'
  transaction: LinkTransaction | undefined
  expiresAt: number
}

type Row = {
  id_hash: string
  sub: string
  elicitation_id: string
  provider: string
  scopes: string
  status: string
  state: string | null
  transaction: string | null
  created_at: number
  expires_at: number
  client_id: string | null
  completed_at: number | null
}

/** SHA-256 of a URL id: only the hash is stored, so a dump yields no connect URL. */
export function hashLinkId(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}

/** Creates a link bound to `sub`; returns the URL id (256 random bits, catalogue #176). */
export async function createPendingLink(
  store: Store,
  input: {
    sub: string
    clientId: string
    provider: string
    scopes: readonly string[]
    ttlMs: number
    now: number
  },
): Promise<{ id: string; elicitationId: string }> {
  const id = randomBytes(32).toString('base64url')
  const elicitationId = randomBytes(16).toString('base64url')
  await store.db
    .insertInto('server_pending_links')
    .values({
      id_hash: hashLinkId(id),
      sub: input.sub,
      client_id: input.clientId,
      elicitation_id: elicitationId,
      provider: input.provider,
      scopes: JSON.stringify([...input.scopes]),
      status: 'pending',
      state: null,
      transaction: null,
      created_at: input.now,
      expires_at: input.now + input.ttlMs,
    })
    .execute()
  return { id, elicitationId }
}

export async function findPendingLink(
  store: Store,
  by: { idHash: string } | { state: string },
): Promise<PendingLink | undefined> {
  const query = store.db.selectFrom('server_pending_links').selectAll()
  const row = (await (
    'idHash' in by ? query.where('id_hash', '=', by.idHash) : query.where('state', '=', by.state)
  ).executeTakeFirst()) as Row | undefined
  return row === undefined ? undefined : toLink(row)
}

/**
 * Moves a link from `pending` to `started` with its provider transaction, atomically: a second
 * confirmation of the same link (replay, double submit) changes nothing (single use).
 */
export async function markLinkStarted(
  store: Store,
  idHash: string,
  transaction: LinkTransaction,
): Promise<boolean> {
  const result = await store.db
    .updateTable('server_pending_links')
    .set({ status: 'started', state: transaction.state, transaction: JSON.stringify(transaction) })
    .where('id_hash', '=', idHash)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** `started` → `done`, atomically (a replayed callback finds nothing to complete). */
export async function markLinkDone(store: Store, idHash: string, now: number): Promise<boolean> {
  const result = await store.db
    .updateTable('server_pending_links')
    .set({ status: 'done', transaction: null, completed_at: now })
    .where('id_hash', '=', idHash)
    .where('status', '=', 'started')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Elicitation ids of links `sub` completed for `clientId` since `since` (ms). */
export async function completedSince(
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

/** Deletes links expired for more than a day (kept that long to say "expired", not "unknown"). */
export async function purgeExpiredLinks(store: Store, now: number): Promise<void> {
  await store.db
    .deleteFrom('server_pending_links')
    .where('expires_at', '<', now - 86_400_000)
    .execute()
}

function toLink(row: Row): PendingLink {
  return {
    idHash: row.id_hash,
    sub: row.sub,
    clientId: row.client_id ?? undefined,
    elicitationId: row.elicitation_id,
    provider: row.provider,
    scopes: JSON.parse(row.scopes) as string[],
    status: row.status as PendingLink['status'],
    transaction:
      row.transaction === null ? undefined : (JSON.parse(row.transaction) as LinkTransaction),
    expiresAt: row.expires_at,
  }
}
