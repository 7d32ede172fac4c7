import {
  deleteOidcRecord,
  deleteOidcRecordsOfGrants,
  findOidcRecord,
  grantIdsOf,
  listClientRecords,
  markOidcRecordConsumed,
} from '@mandate/store'
import type { OperatorActor } from '@mandate/core'
import type { Store } from '@mandate/store'
import { recordWrites } from '../adapter/group-commit.ts'
import type { AuditEmit } from '../provider/provider-context.ts'
import { sha256Hex } from '../lib/hash.ts'
import { announceClientRevoked } from './announce-revocation.ts'

/** A stored client as `mandate clients list` shows it. */
export interface OperatorClient {
  clientId: string
  name: string | undefined
  disabled: boolean
  /** When an unused registration expires, ms since the epoch. */
  expiresAt: number | null
}

/**
 * Clients the authorization server stored (registered by DCR, RFC 7591): `mandate clients
 * list`. Clients from the configuration file are the operator's own and are not listed.
 */
export async function listClients(store: Store): Promise<OperatorClient[]> {
  const rows = await listClientRecords(store)
  return rows.map((row) => {
    const payload = JSON.parse(row.payload) as { client_id: string; client_name?: string }
    return {
      clientId: payload.client_id,
      name: payload.client_name,
      disabled: row.consumed_at !== null,
      expiresAt: row.expires_at,
    }
  })
}

/**
 * Who made an operator change, and where its audit event goes: the `mandate` CLI, or an
 * operator in the console (their id and name are recorded as the event's user).
 */
export type OperatorAttribution = { emit: AuditEmit } & (
  { actor: 'cli' } | { actor: 'console'; sub: string; user_name: string }
)

/** The attribution fields of an event (`actor`, and the console operator's id and name). */
export function attributionOf(by: OperatorAttribution): {
  actor: OperatorActor
  sub?: string
  user_name?: string
} {
  return by.actor === 'cli'
    ? { actor: 'cli' }
    : { actor: 'console', sub: by.sub, user_name: by.user_name }
}

/**
 * Disables (the record stays, marked; the adapter no longer finds the client, so it can neither
 * sign anyone in nor refresh) or deletes a stored client. Either way every grant of the client
 * ends with its refresh tokens and codes, and every access token issued to it so far is refused
 * by every instance and resource server (`client` revocation event, docs/revocation.md). Audited
 * as `client.disabled` / `client.deleted` with who did it and how many grants ended.
 * @returns false when no such stored client exists
 */
export async function removeClient(
  store: Store,
  clientId: string,
  how: 'disable' | 'delete',
  by: OperatorAttribution,
): Promise<boolean> {
  const idHash = sha256Hex(clientId)
  if ((await findOidcRecord(store, 'Client', idHash)) === undefined) return false
  // One write, after any the adapter queued before (group-commit.ts): a grant of the client
  // saved in the same turn ends too.
  const grants = await recordWrites(store)(async (tx) => {
    if (how === 'delete') await deleteOidcRecord(tx, 'Client', idHash)
    else await markOidcRecordConsumed(tx, 'Client', idHash, Date.now())
    const ids = await grantIdsOf(tx, { clientId })
    await deleteOidcRecordsOfGrants(tx, ids)
    return ids
  })
  await announceClientRevoked(store, clientId)
  by.emit({
    type: how === 'delete' ? 'client.deleted' : 'client.disabled',
    ...attributionOf(by),
    client_id: clientId,
    grants_ended: grants.length,
  })
  return true
}

/**
 * Enables a disabled stored client again: the adapter finds it, so it can sign people in anew.
 * What was revoked stays revoked (its earlier grants are gone and the `client` cut-off still
 * refuses every token issued before the disable). Audited as `client.enabled`.
 * @returns `not_found` when no such stored client exists, `not_disabled` when it was active
 */
export async function enableClient(
  store: Store,
  clientId: string,
  by: OperatorAttribution,
): Promise<'enabled' | 'not_disabled' | 'not_found'> {
  const idHash = sha256Hex(clientId)
  const found = await findOidcRecord(store, 'Client', idHash)
  if (found === undefined) return 'not_found'
  if (found.consumed_at === null) return 'not_disabled'
  await recordWrites(store)((tx) => markOidcRecordConsumed(tx, 'Client', idHash, null))
  by.emit({ type: 'client.enabled', ...attributionOf(by), client_id: clientId })
  return 'enabled'
}
