import { findGrantRecord, grantOwners, listUsernames } from '@mandate/store'
import type { Store } from '@mandate/store'
import { listGrantsOf } from '../grants/grant-summaries.ts'
import type { GrantSummary } from '../grants/grant-summaries.ts'
import { sha256Hex } from '../lib/hash.ts'
import { revokeGrantById } from './announce-revocation.ts'
import { attributionOf } from './operator-clients.ts'
import type { OperatorAttribution } from './operator-clients.ts'

/** A live grant as `mandate grants list` shows it: whose it is, which client, which scopes. */
export interface OperatorGrant extends GrantSummary {
  /** The user's id (`sub`) and username. */
  sub: string
  username: string | undefined
}

/** The live grants of every user, or of one (`mandate grants list [username]`). */
export async function listGrants(
  store: Store,
  filter: { username?: string } = {},
): Promise<OperatorGrant[]> {
  const users = await listUsernames(
    store,
    filter.username === undefined ? {} : { username: filter.username.trim().toLowerCase() },
  )
  const owners = new Map(users.map((u) => [u.id, u.username]))
  const ids = filter.username !== undefined ? [...owners.keys()] : await grantOwners(store)
  const out: OperatorGrant[] = []
  for (const sub of ids) {
    for (const grant of await listGrantsOf(store, sub)) {
      out.push({ ...grant, sub, username: owners.get(sub) })
    }
  }
  return out
}

/**
 * Revokes a grant for the operator (`mandate grants revoke <id>`, the console's *Revoke*):
 * refresh tokens and codes deleted, access tokens refused everywhere (docs/revocation.md).
 * Audited as `grant.revoked` with who did it, the grant's user and client.
 * @returns false when no such grant exists
 */
export async function revokeGrantAsOperator(
  store: Store,
  grantId: string,
  by: OperatorAttribution,
): Promise<boolean> {
  const found = await findGrantRecord(store, sha256Hex(grantId))
  if (found === undefined || !(await revokeGrantById(store, grantId, 'operator'))) return false
  by.emit({
    type: 'grant.revoked',
    ...attributionOf(by),
    user_id: found.account_id ?? '',
    client_id: found.client_id ?? '',
    grant_id: grantId,
  })
  return true
}
