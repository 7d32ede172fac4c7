import type { Store } from '../store.ts'

/** Where an approval is: asked, decided by the person, then spent by the call (or closed). */
export type GatewayApprovalStatus = 'pending' | 'approved' | 'denied' | 'used' | 'closed'

/** One call a person is asked to approve (`gateway_approvals`). */
export interface GatewayApprovalRow {
  idHash: string
  callHash: string
  sub: string
  clientId: string
  upstream: string
  tool: string
  /** A bounded copy of the arguments for the page; empty once decided. */
  arguments: string
  mfa: boolean
  status: GatewayApprovalStatus
  elicitationId: string
  createdAt: number
  expiresAt: number
}

/** Records a new approval request (status `pending`). */
export async function insertGatewayApproval(store: Store, row: GatewayApprovalRow): Promise<void> {
  await store.db
    .insertInto('gateway_approvals')
    .values({
      id_hash: row.idHash,
      call_hash: row.callHash,
      sub: row.sub,
      client_id: row.clientId,
      upstream: row.upstream,
      tool: row.tool,
      arguments: row.arguments,
      mfa: row.mfa ? 1 : 0,
      status: row.status,
      elicitation_id: row.elicitationId,
      created_at: row.createdAt,
      expires_at: row.expiresAt,
    })
    .execute()
}

/** The approval whose URL id hashes to `idHash`, whatever its status. */
export async function findGatewayApproval(
  store: Store,
  idHash: string,
): Promise<GatewayApprovalRow | undefined> {
  const row = await store.db
    .selectFrom('gateway_approvals')
    .selectAll()
    .where('id_hash', '=', idHash)
    .executeTakeFirst()
  if (row === undefined) return undefined
  return {
    idHash: row.id_hash,
    callHash: row.call_hash,
    sub: row.sub,
    clientId: row.client_id,
    upstream: row.upstream,
    tool: row.tool,
    arguments: row.arguments,
    mfa: row.mfa === 1,
    status: row.status as GatewayApprovalStatus,
    elicitationId: row.elicitation_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

/**
 * The person's decision: `pending` → `approved` | `denied`, only for `sub`, only before it
 * expires (conditional update: one decision wins). The shown arguments are dropped.
 */
export async function decideGatewayApproval(
  store: Store,
  key: { idHash: string; sub: string },
  decision: 'approved' | 'denied',
  now: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('gateway_approvals')
    .set({ status: decision, arguments: '' })
    .where('id_hash', '=', key.idHash)
    .where('sub', '=', key.sub)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * Spends the decision for exactly this call: an `approved` row becomes `used`, a `denied` one
 * `closed`, each by a conditional update so that one retry across all instances gets it.
 * `undefined` when nothing was decided for this call hash, user and client.
 */
export async function spendGatewayApproval(
  store: Store,
  key: { callHash: string; sub: string; clientId: string },
  now: number,
): Promise<'approved' | 'denied' | undefined> {
  const rows = await store.db
    .selectFrom('gateway_approvals')
    .select(['id_hash', 'status'])
    .where('call_hash', '=', key.callHash)
    .where('sub', '=', key.sub)
    .where('client_id', '=', key.clientId)
    .where('status', 'in', ['approved', 'denied'])
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute()
  for (const row of rows) {
    const approved = row.status === 'approved'
    const result = await store.db
      .updateTable('gateway_approvals')
      .set({ status: approved ? 'used' : 'closed' })
      .where('id_hash', '=', row.id_hash)
      .where('status', '=', row.status)
      .executeTakeFirst()
    if (result.numUpdatedRows > 0n) return approved ? 'approved' : 'denied'
  }
  return undefined
}

/** Deletes approvals that expired before `now`; returns how many. */
export async function deleteExpiredGatewayApprovals(store: Store, now: number): Promise<number> {
  const result = await store.db
    .deleteFrom('gateway_approvals')
    .where('expires_at', '<=', now)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
