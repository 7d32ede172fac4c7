import { findOidcRecordGrant, laterConsumedOidcRecords } from '@mandate/store'
import type { Store } from '@mandate/store'

interface ChainPosition {
  iiat?: number
  sessionUid?: string
  jkt?: string
  rotations?: number
}

/**
 * The refresh grace exists for one race only: two parallel refreshes with the same token, both
 * sent before either answer arrived. Once a successor of the token has itself been used, the
 * client has moved on, so a later use of the old token is a replay and must revoke the family
 * (RFC 9700 §4.14.2). Called after a grace consume succeeded; true means "treat as reuse".
 *
 * A chain is the refresh tokens of one grant with the same `iiat`, `sessionUid` and `jkt`
 * (oidc-provider carries them through every rotation; one grant may hold the chains of several
 * authorizations); a successor has a higher `rotations` count and was consumed no earlier
 * than this token.
 */
export async function replayedAfterSuccessor(
  store: Store,
  model: string,
  graceMs: number,
  idHash: string,
): Promise<boolean> {
  if (model !== 'RefreshToken' || graceMs <= 0) return false
  const row = await findOidcRecordGrant(store, model, idHash)
  if (row?.grant_id == null || row.consumed_at === null) return false
  const self = JSON.parse(row.payload) as ChainPosition
  const later = await laterConsumedOidcRecords(store, model, row.grant_id, idHash, row.consumed_at)
  return later.some((payload) => {
    const other = JSON.parse(payload) as ChainPosition
    return (
      other.iiat === self.iiat &&
      other.sessionUid === self.sessionUid &&
      other.jkt === self.jkt &&
      (other.rotations ?? 0) > (self.rotations ?? 0)
    )
  })
}
