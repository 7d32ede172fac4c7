import { grantOwners, listUsernames } from '@mandate/store'
import type { Store } from '@mandate/store'
import { listGrantsOf } from '../grants/grant-summaries.ts'
import type { GrantSummary } from '../grants/grant-summaries.ts'
import { revokeGrantById } from './announce-revocation.ts'

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
 * Revokes a grant for the operator (`mandate grants revoke <id>`): refresh tokens and codes
 * deleted, access tokens refused everywhere (docs/revocation.md).
 * @returns false when no such grant exists
 */
export function revokeGrantAsOperator(store: Store, grantId: string): Promise<boolean> {
  return revokeGrantById(store, grantId, 'operator')
}
