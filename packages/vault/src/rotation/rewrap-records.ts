import {
  listVaultCredentialsToRewrap,
  listVaultProviderSecretsToRewrap,
  rewrapVaultCredential,
  rewrapVaultProviderSecret,
} from '@mandate/store'
import { rewrapEnvelope } from '../crypto/envelope.ts'
import type { VaultContext } from '../lib/context.ts'
import { credentialContext } from '../lib/credential-secret.ts'
import { providerClientContext } from '../lib/provider-endpoints.ts'
import { rewrapSealedValues } from './rewrap-sealed-values.ts'

/** How the re-wrap job after a rotation runs: batch size and a stop signal. */
export interface RewrapOptions {
  /** Records per batch. Default 200. */
  batchSize?: number
  /** Stops between batches; the job resumes where it stopped when run again. */
  signal?: AbortSignal
}

/** What one re-wrap run moved to the active key version. */
export interface RewrapReport {
  /** The key version records were moved to. */
  keyVersion: number
  rewrapped: number
  /** Records changed by someone else meanwhile (already under the new key, or deleted). */
  skipped: number
}

/**
 * The background re-wrap after a rotation: moves every record's data key under the active
 * KEK, vault records and the values other components sealed with `sealValue` alike. Only the wrapped key changes (the payload is not re-encrypted), each write is
 * conditional on the envelope being unchanged so a concurrent refresh always wins, and the
 * work is found by key version, so an interrupted job resumes by running it again
 * (catalogue #196, #198). One instance at a time (store lock).
 */
export async function rewrapRecords(
  ctx: VaultContext,
  options: RewrapOptions = {},
): Promise<RewrapReport> {
  const batchSize = options.batchSize ?? 200
  return ctx.store.withLock('vault:rewrap', async (lost) => {
    const keyVersion = ctx.keys.activeVersion()
    const report: RewrapReport = { keyVersion, rewrapped: 0, skipped: 0 }
    for (const row of await listVaultProviderSecretsToRewrap(ctx.store, keyVersion)) {
      const context = providerClientContext(row.provider)
      const next = await rewrapEnvelope(ctx.keys, context, row.secret)
      const done = await rewrapVaultProviderSecret(
        ctx.store,
        row.provider,
        row.secret,
        next.envelope,
        next.keyVersion,
      )
      report[done ? 'rewrapped' : 'skipped'] += 1
    }
    const sealed = await rewrapSealedValues(ctx, keyVersion, batchSize, () => {
      options.signal?.throwIfAborted()
      lost.throwIfAborted()
    })
    report.rewrapped += sealed.rewrapped
    report.skipped += sealed.skipped
    let after = ''
    for (;;) {
      options.signal?.throwIfAborted()
      lost.throwIfAborted()
      const batch = await listVaultCredentialsToRewrap(ctx.store, keyVersion, after, batchSize)
      if (batch.length === 0) break
      for (const row of batch) {
        const next = await rewrapEnvelope(ctx.keys, credentialContext(row), row.secret)
        const done = await rewrapVaultCredential(
          ctx.store,
          row.id,
          row.secret,
          next.envelope,
          next.keyVersion,
        )
        report[done ? 'rewrapped' : 'skipped'] += 1
      }
      after = batch[batch.length - 1]?.id ?? after
    }
    await ctx.audit({
      type: 'vault.key.rewrapped',
      key_version: keyVersion,
      count: report.rewrapped,
    })
    return report
  })
}
