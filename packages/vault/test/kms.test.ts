import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { cachingKeyWrapper, keyRingWrapper, openEnvelope, sealEnvelope } from '@mandate/vault'
import type { KeyWrapper } from '@mandate/vault'

const context = { kind: 'credential' as const, sub: 'u', provider: 'p', recordId: 'r' }

// Stands in for a KMS client (its keys never leave it); `down` simulates an outage.
function fakeKms(): KeyWrapper & { down: boolean; unwraps: number } {
  const inner = keyRingWrapper({ active: 1, keys: new Map([[1, randomBytes(32)]]) })
  const kms = {
    description: 'kms',
    down: false,
    unwraps: 0,
    activeVersion: () => inner.activeVersion(),
    versions: () => inner.versions(),
    wrap: (version: number, key: Uint8Array, aad: Uint8Array) => inner.wrap(version, key, aad),
    unwrap: (version: number, wrapped: Uint8Array, aad: Uint8Array) => {
      if (kms.down) return Promise.reject(new Error('kms unavailable'))
      kms.unwraps += 1
      return inner.unwrap(version, wrapped, aad)
    },
  }
  return kms
}

void describe('KMS key wrapper cache', () => {
  void it('serves repeated reads from memory, one KMS call per data key', async () => {
    const kms = fakeKms()
    const cached = cachingKeyWrapper(kms)
    const { envelope } = await sealEnvelope(cached, context, Buffer.from('secret'))
    for (let index = 0; index < 5; index += 1) {
      assert.equal(Buffer.from(await openEnvelope(cached, context, envelope)).toString(), 'secret')
    }
    assert.equal(kms.unwraps, 1)
  })

  void it('catalogue #199: a KMS outage fails closed on a miss, and the cache expires', async () => {
    const kms = fakeKms()
    let now = 0
    const cached = cachingKeyWrapper(kms, { ttlMs: 1000, now: () => now })
    const one = await sealEnvelope(cached, context, Buffer.from('one'))
    const two = await sealEnvelope(cached, context, Buffer.from('two'))
    await openEnvelope(cached, context, one.envelope)
    kms.down = true
    // Cached within its lifetime: still readable through a short outage.
    assert.equal(Buffer.from(await openEnvelope(cached, context, one.envelope)).toString(), 'one')
    // Never unwrapped: fails closed.
    await assert.rejects(openEnvelope(cached, context, two.envelope), {
      name: 'Error',
      message: 'kms unavailable',
    })
    // Expired: fails closed too.
    now = 2000
    await assert.rejects(openEnvelope(cached, context, one.envelope), {
      name: 'Error',
      message: 'kms unavailable',
    })
  })

  void it('keys the cache by context, so a swapped row still fails authentication', async () => {
    const cached = cachingKeyWrapper(fakeKms())
    const { envelope } = await sealEnvelope(cached, context, Buffer.from('secret'))
    await openEnvelope(cached, context, envelope)
    await assert.rejects(openEnvelope(cached, { ...context, sub: 'other' }, envelope), {
      code: 'ERR_VAULT_DECRYPT_FAILED',
    })
  })
})
