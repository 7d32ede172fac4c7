import type { RevocationReason } from '@mandate/core'
import {
  deleteOidcRecordsOfGrants,
  deleteSessionRecords,
  findGrantRecord,
  findUser,
  grantIdsOf,
  listSessionRecords,
  publishRevocation,
} from '@mandate/store'
import type { Store } from '@mandate/store'
import { recordWrites } from '../adapter/group-commit.ts'
import { AS_DEFAULTS } from '../config/defaults.ts'
import { sha256Hex } from '../lib/hash.ts'

/**
 * How long grant, user and client cut-offs are kept: the longest access-token lifetime the
 * configuration allows (`checkAccessTokenSeconds`) plus clock skew, so no token they cover
 * outlives them.
 */
export const CUT_RETENTION_MS = AS_DEFAULTS.maxAccessTokenSeconds * 1000 + 300_000
/** Resource servers accept tokens up to their clock tolerance past `exp`. */
const EXP_SKEW_MS = 300_000

/** The `gid` claim and event field of a grant: SHA-256 (hex) of its id, as the adapter keys it. */
export function grantHash(grantId: string): string {
  return sha256Hex(grantId)
}

/** `iat` for a new access token: seconds with milliseconds (cut-offs compare in ms). */
export function issuedAtWithMs(now: number = Date.now()): number {
  return Math.floor(now) / 1000
}

/** One access token was revoked (RFC 7009): its `jti` goes on the deny-list until it expires. */
export async function announceTokenRevoked(
  store: Store,
  token: { jti: string; sub?: string; client_id?: string; gid?: string; exp?: number },
  reason: RevocationReason,
): Promise<void> {
  const expiresAt =
    token.exp === undefined ? Date.now() + CUT_RETENTION_MS : token.exp * 1000 + EXP_SKEW_MS
  await publishRevocation(
    store,
    {
      type: 'token',
      jti: token.jti,
      ...(token.sub === undefined ? {} : { sub: token.sub }),
      ...(token.client_id === undefined ? {} : { client_id: token.client_id }),
      ...(token.gid === undefined ? {} : { gid: token.gid }),
      reason,
    },
    expiresAt,
  )
}

/** Every access token issued under the grant so far is refused from now on. */
export async function announceGrantRevoked(
  store: Store,
  grantId: string,
  reason: RevocationReason,
): Promise<void> {
  const owner = await findGrantRecord(store, sha256Hex(grantId))
  await publishRevocation(
    store,
    {
      type: 'grant',
      gid: grantHash(grantId),
      ...(owner?.account_id == null ? {} : { sub: owner.account_id }),
      ...(owner?.client_id == null ? {} : { client_id: owner.client_id }),
      reason,
    },
    Date.now() + CUT_RETENTION_MS,
  )
}

/**
 * Ends every grant of a user (their refresh tokens and codes with them) and refuses every
 * access token issued to them so far: disabled, deleted, password or second factor reset.
 * @returns false when there is no such user
 */
export async function revokeUserAccess(
  store: Store,
  user: { id: string } | { username: string },
  reason: RevocationReason,
): Promise<boolean> {
  const id =
    'id' in user
      ? user.id
      : (await findUser(store, { username: user.username.trim().toLowerCase() }))?.id
  if (id === undefined) return false
  // Looked up and deleted in one write, after any the adapter queued before: a grant or session
  // saved in the same turn is ended too (group-commit.ts).
  await recordWrites(store)(async (tx) => {
    await deleteOidcRecordsOfGrants(tx, await grantIdsOf(tx, { accountId: id }))
    await endBrowserSessions(tx, id)
  })
  await publishRevocation(
    store,
    { type: 'subject', sub: id, reason },
    Date.now() + CUT_RETENTION_MS,
  )
  return true
}

/**
 * Ends the user's browser sessions at the authorization server (sign-in and /account): a reset
 * password or second factor, or a disabled or deleted account, must sign in again. Sessions
 * are keyed by an opaque id, so the (operator-only, rare) lookup reads their payloads.
 */
async function endBrowserSessions(store: Pick<Store, 'db'>, accountId: string): Promise<void> {
  const sessions = await listSessionRecords(store)
  const ended = sessions
    .filter((row) => (JSON.parse(row.payload) as { accountId?: string }).accountId === accountId)
    .map((row) => row.id_hash)
  await deleteSessionRecords(store, ended)
}

/** Every token of a client issued so far is refused (client deleted or disabled). */
export async function announceClientRevoked(store: Store, clientId: string): Promise<void> {
  await publishRevocation(
    store,
    { type: 'client', client_id: clientId, reason: 'client_removed' },
    Date.now() + CUT_RETENTION_MS,
  )
}

/**
 * Revokes a grant from outside oidc-provider (the operator CLI): its refresh tokens and codes
 * are deleted and every access token issued under it is refused.
 * @returns false when no such grant exists
 */
export async function revokeGrantById(
  store: Store,
  grantId: string,
  reason: RevocationReason,
): Promise<boolean> {
  const found = await findGrantRecord(store, sha256Hex(grantId))
  if (found === undefined) return false
  await announceGrantRevoked(store, grantId, reason)
  await recordWrites(store)((tx) => deleteOidcRecordsOfGrants(tx, [grantId]))
  return true
}
