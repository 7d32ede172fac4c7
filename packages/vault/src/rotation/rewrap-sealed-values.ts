import { listSealedValuesToRewrap, replaceSealedValue, SEALED_VALUE_PURPOSES } from '@mandate/store'
import { resealValue } from '../crypto/sealed-value.ts'
import type { VaultContext } from '../lib/context.ts'

/**
 * The re-wrap of the secrets other components seal with `sealValue` (the authorization
 * server's signing keys, TOTP secrets and installation secrets): moves each under the active
 * key version, and upgrades values still in a former format. Each write is conditional on
 * the value being unchanged. Runs inside the re-wrap job's lock.
 */
export async function rewrapSealedValues(
  ctx: VaultContext,
  keyVersion: number,
  batchSize: number,
  check: () => void,
): Promise<{ rewrapped: number; skipped: number }> {
  const counts = { rewrapped: 0, skipped: 0 }
  for (const purpose of SEALED_VALUE_PURPOSES) {
    let after = ''
    for (;;) {
      check()
      const batch = await listSealedValuesToRewrap(ctx.store, purpose, keyVersion, after, batchSize)
      if (batch.length === 0) break
      for (const row of batch) {
        const next = await resealValue(ctx.keys, { purpose, recordId: row.id }, row.value)
        const done = next !== row.value
        const written =
          done && (await replaceSealedValue(ctx.store, purpose, row.id, row.value, next))
        counts[written ? 'rewrapped' : 'skipped'] += 1
      }
      after = batch[batch.length - 1]?.id ?? after
    }
  }
  return counts
}

/** Whether any sealed value is not yet under `keyVersion` (the background job's start check). */
export async function hasSealedValuesToRewrap(
  ctx: VaultContext,
  keyVersion: number,
): Promise<boolean> {
  for (const purpose of SEALED_VALUE_PURPOSES) {
    if ((await listSealedValuesToRewrap(ctx.store, purpose, keyVersion, '', 1)).length > 0) {
      return true
    }
  }
  return false
}
