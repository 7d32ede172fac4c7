// Signed payloads round-trip through browsers and clients (sign-in state, step tokens, MRTR
// requestState): only what this secret signed for this purpose comes back as a payload.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { signPayload, verifyPayload } from '@mandate/core'

const SECRET = 'a-test-secret-of-enough-length-000000'

void describe('signPayload / verifyPayload', () => {
  const value = signPayload(SECRET, 'purpose-a', { sub: 'alice', exp: 1 })

  void it('returns the payload for the same secret and purpose', () => {
    assert.deepEqual(verifyPayload(SECRET, 'purpose-a', value), { sub: 'alice', exp: 1 })
  })

  void it('refuses another purpose or another secret (domain separation)', () => {
    assert.equal(verifyPayload(SECRET, 'purpose-b', value), undefined)
    assert.equal(verifyPayload('another-secret', 'purpose-a', value), undefined)
  })

  void it('refuses a changed payload under the original signature', () => {
    const [, tag = ''] = value.split('.')
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', exp: 1 })).toString('base64url')
    assert.equal(verifyPayload(SECRET, 'purpose-a', `${forged}.${tag}`), undefined)
  })

  void it('refuses junk, extra parts, over-long values and non-object payloads', () => {
    for (const junk of [
      undefined,
      42,
      '',
      '.',
      'x',
      `${value}.extra`,
      `${value}${'x'.repeat(9000)}`,
    ])
      assert.equal(verifyPayload(SECRET, 'purpose-a', junk), undefined)
    // Correctly signed, but not a JSON object: callers read fields off the payload.
    for (const payload of [[1, 2], 'text', 7, null]) {
      const signed = signPayload(SECRET, 'p', payload as object)
      assert.equal(verifyPayload(SECRET, 'p', signed), undefined)
    }
  })
})
