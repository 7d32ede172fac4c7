import type { Store } from '@mandate/store'
import { listLiveSigningKeys, publishRevocation, retireSigningKey } from '@mandate/store'
import type { KeyWrapper } from '@mandate/vault'
import { insertKey, KEYS_CHANNEL } from '../keys/signing-keys.ts'
import { CUT_RETENTION_MS } from './announce-revocation.ts'
import { attributionOf } from './operator-clients.ts'
import type { OperatorAttribution } from './operator-clients.ts'

/**
 * Withdraws a signing key before its scheduled retirement (suspected compromise): it leaves the
 * JWKS and signs nothing more, a new key signs at once when no other active key remains, and
 * every token signed with it is refused by every instance and resource server (`key`
 * revocation event, docs/revocation.md). Instances reload their key set (KEYS_CHANNEL; on
 * SQLite they notice the changed key table). Audited as `signing_key.withdrawn` (who, and
 * whether a new key had to be created).
 * @returns false when no live key has this `kid`
 */
export async function withdrawSigningKey(
  store: Store,
  keys: KeyWrapper,
  kid: string,
  by: OperatorAttribution,
  now: number = Date.now(),
): Promise<boolean> {
  const withdrawn = await store.withLock('as:signing-keys', async () => {
    const rows = await listLiveSigningKeys(store, now)
    if (!rows.some((row) => row.kid === kid)) return undefined
    await retireSigningKey(store, kid, now)
    const replaced = !rows.some((row) => row.kid !== kid && row.activates_at <= now)
    if (replaced) await insertKey(store, keys, now, now)
    return { replaced }
  })
  if (withdrawn === undefined) return false
  await publishRevocation(
    store,
    { type: 'key', kid, reason: 'key_withdrawn' },
    now + CUT_RETENTION_MS,
    now,
  )
  await store.publish(KEYS_CHANNEL, { kid })
  by.emit({
    type: 'signing_key.withdrawn',
    ...attributionOf(by),
    kid,
    replaced: withdrawn.replaced,
  })
  return true
}
