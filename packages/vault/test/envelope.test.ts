import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  envelopeKeyVersion,
  keyRingWrapper,
  openEnvelope,
  rewrapEnvelope,
  sealEnvelope,
} from '@mandate/vault'
import type { EnvelopeContext, KeyRing } from '@mandate/vault'

const bytes = (start: number, length = 32): Uint8Array<ArrayBuffer> =>
  Uint8Array.from({ length }, (_, index) => (start + index) & 0xff)

// Fixed keys and IVs: these vectors pin the on-disk format. Changing them means a new format
// version, never an edit.
const ring: KeyRing = {
  active: 1,
  keys: new Map([
    [1, bytes(0x00)],
    [2, bytes(0x40)],
  ]),
}
const fixedWrapper = (version: number) =>
  keyRingWrapper({ ...ring, active: version }, { randomIv: () => bytes(0xa0, 12) })
const context: EnvelopeContext = {
  kind: 'credential',
  sub: 'user-1',
  provider: 'github',
  recordId: 'cred_1',
}
const material = { dataKey: bytes(0x80), iv: bytes(0xc0, 12) }
const plaintext = Buffer.from('{"access_token":"example"}')

const GOLDEN_V1 =
  'mv1.1.oKGio6SlpqeoqaqrZpn-rsFOhDjq7A1Yi_dOUeA9y4MGItT7BJe8HeM2657tbM9uSkkRpXP_CauXP0lM.wMHCw8TFxsfIycrLHx7h4d_IkLBdW1gkJ88SCgukciCPcJ4wC5PZc9yU32XrpGoIiro4nP0G'
const GOLDEN_V2 =
  'mv1.2.oKGio6SlpqeoqaqrVw6EvGZuGqrx5st1BTG-eX-GZ1R4-hO6ekV0AXVf4Gcx394zYmun2e22DWYBhAo6.wMHCw8TFxsfIycrLHx7h4d_IkLBdW1gkJ88SCgukciCPcJ4wC5PZc9yU32XrpGoIiro4nP0G'

void describe('envelope format', () => {
  void it('matches the golden vectors for fixed keys and IVs', async () => {
    const one = await sealEnvelope(fixedWrapper(1), context, plaintext, material)
    const two = await sealEnvelope(fixedWrapper(2), context, plaintext, material)
    assert.equal(one.envelope, GOLDEN_V1)
    assert.equal(two.envelope, GOLDEN_V2)
    assert.equal(envelopeKeyVersion(GOLDEN_V2), 2)
  })

  void it('decrypts the golden vectors with either key version in the ring', async () => {
    const wrapper = keyRingWrapper(ring)
    assert.deepEqual(Buffer.from(await openEnvelope(wrapper, context, GOLDEN_V1)), plaintext)
    assert.deepEqual(Buffer.from(await openEnvelope(wrapper, context, GOLDEN_V2)), plaintext)
  })

  void it('is decryptable from the documented format alone (WebCrypto, no vault code)', async () => {
    const [, version, wrapped = '', payload = ''] = GOLDEN_V1.split('.')
    const open = async (
      key: Uint8Array<ArrayBuffer>,
      raw: Buffer,
      aad: unknown[],
    ): Promise<Uint8Array<ArrayBuffer>> => {
      const sealed = new Uint8Array(raw)
      const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt'])
      const params = {
        name: 'AES-GCM',
        iv: sealed.subarray(0, 12),
        additionalData: new TextEncoder().encode(JSON.stringify(aad)),
      }
      return new Uint8Array(await crypto.subtle.decrypt(params, cryptoKey, sealed.subarray(12)))
    }
    const tuple = [context.kind, context.sub, context.provider, context.recordId]
    const dataKey = await open(bytes(0x00), Buffer.from(wrapped, 'base64url'), [
      'mandate-vault/1',
      'data-key',
      Number(version),
      ...tuple,
    ])
    assert.deepEqual(dataKey, material.dataKey)
    const plain = await open(dataKey, Buffer.from(payload, 'base64url'), [
      'mandate-vault/1',
      'payload',
      ...tuple,
    ])
    assert.deepEqual(Buffer.from(plain), plaintext)
  })

  void it('uses a fresh data key and IV per write', async () => {
    const wrapper = keyRingWrapper(ring)
    const a = await sealEnvelope(wrapper, context, plaintext)
    const b = await sealEnvelope(wrapper, context, plaintext)
    assert.notEqual(a.envelope, b.envelope)
    assert.notEqual(a.envelope.split('.')[2], b.envelope.split('.')[2])
    assert.notEqual(a.envelope.split('.')[3]?.slice(0, 16), b.envelope.split('.')[3]?.slice(0, 16))
  })

  void it('re-wraps only the data key, keeping the payload', async () => {
    const wrapper = keyRingWrapper({ ...ring, active: 2 })
    const moved = await rewrapEnvelope(wrapper, context, GOLDEN_V1)
    assert.equal(moved.keyVersion, 2)
    assert.equal(moved.envelope.split('.')[3], GOLDEN_V1.split('.')[3])
    assert.deepEqual(Buffer.from(await openEnvelope(wrapper, context, moved.envelope)), plaintext)
  })
})

void describe('envelope binding', () => {
  const wrapper = keyRingWrapper(ring)
  const others: [string, EnvelopeContext][] = [
    ['another user', { ...context, sub: 'user-2' }],
    ['another provider', { ...context, provider: 'gitlab' }],
    ['another record', { ...context, recordId: 'cred_2' }],
    ['another table', { ...context, kind: 'provider_client' }],
    ['another purpose', { ...context, kind: 'as_totp_secret' }],
  ]
  for (const [name, other] of others) {
    void it(`catalogue #195: a ciphertext moved to ${name} fails to decrypt`, async () => {
      // Sealed fresh: it opens under its own context (positive control), so the refusal below
      // is the AAD binding at work, not a ciphertext that opens under no context at all.
      const { envelope } = await sealEnvelope(wrapper, context, plaintext)
      assert.deepEqual(Buffer.from(await openEnvelope(wrapper, context, envelope)), plaintext)
      await assert.rejects(openEnvelope(wrapper, other, envelope), {
        code: 'ERR_VAULT_DECRYPT_FAILED',
      })
    })
  }

  void it('catalogue #194: a flipped bit in the payload or the wrapped key is rejected', async () => {
    const [prefix, version, wrapped = '', payload = ''] = GOLDEN_V1.split('.')
    const flip = (part: string) => {
      const raw = Buffer.from(part, 'base64url')
      raw.writeUInt8(raw.readUInt8(raw.length - 20) ^ 1, raw.length - 20)
      return raw.toString('base64url')
    }
    for (const tampered of [
      [prefix, version, wrapped, flip(payload)].join('.'),
      [prefix, version, flip(wrapped), payload].join('.'),
    ]) {
      await assert.rejects(openEnvelope(wrapper, context, tampered), {
        code: 'ERR_VAULT_DECRYPT_FAILED',
      })
    }
  })

  void it('catalogue #194: a changed key version label is rejected', async () => {
    const relabelled = GOLDEN_V1.replace(/^mv1\.1\./, 'mv1.2.')
    await assert.rejects(openEnvelope(wrapper, context, relabelled), {
      code: 'ERR_VAULT_DECRYPT_FAILED',
    })
  })

  void it('catalogue #197: a record under a key version that is not loaded fails closed', async () => {
    const partial = keyRingWrapper({ active: 1, keys: new Map([[1, bytes(0x00)]]) })
    await assert.rejects(openEnvelope(partial, context, GOLDEN_V2), {
      code: 'ERR_VAULT_KEY_UNKNOWN',
    })
  })

  void it('rejects malformed envelopes without decrypting', async () => {
    for (const bad of ['', 'mv1', 'mv2.1.a.b', 'mv1.0.a.b', 'mv1.1.a', 'mv1.x.a.b', 'mv1.1.a+.b']) {
      await assert.rejects(openEnvelope(wrapper, context, bad), { code: 'ERR_VAULT_FORMAT' })
    }
  })
})
