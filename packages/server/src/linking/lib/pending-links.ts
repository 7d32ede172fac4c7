import { createHash, randomBytes } from 'node:crypto'
import {
  cancelPendingLink,
  completedLinkElicitations,
  deleteExpiredPendingLinks,
  findPendingLinkByIdHash,
  findPendingLinkByState,
  insertPendingLink,
  listOpenPendingLinks,
  markPendingLinkDone,
  markPendingLinkStarted,
  rekeyPendingLink,
} from '@mandate/store'
import type { PendingLinkRow, Store } from '@mandate/store'
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
  status: 'pending' | 'started' | 'done' | 'cancelled'
  createdAt: number
  transaction: LinkTransaction | undefined
  expiresAt: number
}

/** Expired links are kept this long, so that a late visitor reads "expired", not "unknown". */
const KEEP_EXPIRED_MS = 86_400_000

/** SHA-256 of a URL id: only the hash is stored, so a dump yields no connect URL. */
export function hashLinkId(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}

/** Creates a link bound to `sub`; returns the URL id (256 random bits, catalogue #176). */
export async function createPendingLink(
  store: Store,
  input: {
    sub: string
    /** The MCP client that asked; none when the user starts it (relink on the accounts page). */
    clientId: string | undefined
    provider: string
    scopes: readonly string[]
    ttlMs: number
    now: number
  },
): Promise<{ id: string; elicitationId: string }> {
  const id = newLinkId()
  const elicitationId = randomBytes(16).toString('base64url')
  await insertPendingLink(store, {
    id_hash: hashLinkId(id),
    sub: input.sub,
    client_id: input.clientId ?? null,
    elicitation_id: elicitationId,
    provider: input.provider,
    scopes: JSON.stringify([...input.scopes]),
    status: 'pending',
    state: null,
    transaction: null,
    created_at: input.now,
    expires_at: input.now + input.ttlMs,
  })
  return { id, elicitationId }
}

/** The link by the hash of its URL id, or by the OAuth `state` of its provider leg. */
export async function findPendingLink(
  store: Store,
  by: { idHash: string } | { state: string },
): Promise<PendingLink | undefined> {
  const row =
    'idHash' in by
      ? await findPendingLinkByIdHash(store, by.idHash)
      : await findPendingLinkByState(store, by.state)
  return row === undefined ? undefined : toLink(row)
}

/**
 * Moves a link from `pending` to `started` with its provider transaction, atomically: a second
 * confirmation of the same link (replay, double submit) changes nothing (single use).
 */
export function markLinkStarted(
  store: Store,
  idHash: string,
  transaction: LinkTransaction,
): Promise<boolean> {
  return markPendingLinkStarted(store, idHash, {
    state: transaction.state,
    transaction: JSON.stringify(transaction),
  })
}

/** `started` → `done`, atomically (a replayed callback finds nothing to complete). */
export function markLinkDone(store: Store, idHash: string, now: number): Promise<boolean> {
  return markPendingLinkDone(store, idHash, now)
}

/** Elicitation ids of links `sub` completed for `clientId` since `since` (ms). */
export function completedSince(
  store: Store,
  caller: { sub: string; clientId: string },
  since: number,
): Promise<string[]> {
  return completedLinkElicitations(store, caller, since)
}

/** Deletes links expired for more than a day (kept that long to say "expired", not "unknown"). */
export function purgeExpiredLinks(store: Store, now: number): Promise<void> {
  return deleteExpiredPendingLinks(store, now - KEEP_EXPIRED_MS)
}

function toLink(row: PendingLinkRow): PendingLink {
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
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

const newLinkId = (): string => randomBytes(32).toString('base64url')

/** `sub`'s links still waiting for them (pending, unexpired), newest first. */
export async function openLinksOf(store: Store, sub: string, now: number): Promise<PendingLink[]> {
  return (await listOpenPendingLinks(store, sub, now)).map(toLink)
}

/**
 * A new URL id for `sub`'s own pending link (only the hash of the old one is stored), or
 * undefined when it is not theirs or no longer pending. The old URL stops working.
 */
export async function reopenLink(
  store: Store,
  link: { idHash: string; sub: string },
): Promise<string | undefined> {
  const id = newLinkId()
  return (await rekeyPendingLink(store, link, hashLinkId(id))) ? id : undefined
}

/** Cancels `sub`'s own pending link: it can no longer be confirmed. */
export function cancelLink(store: Store, link: { idHash: string; sub: string }): Promise<boolean> {
  return cancelPendingLink(store, link)
}
