// The MRTR requestState of a linking answer round-trips through the client: only a state this
// server minted, for this user, not expired, is believed (MCP 2026-07-28 mrtr, requirements 4–5).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  mintLinkRequestState,
  readLinkRequestState,
} from '../src/linking/lib/link-request-state.ts'

const SECRET = 'a-test-secret-of-enough-length-000000'
const NOW = 1_800_000_000_000

void describe('linking requestState', () => {
  const minted = mintLinkRequestState(SECRET, {
    sub: 'alice',
    links: { 'demo-calendar': 'link-id-1' },
    exp: NOW + 60_000,
  })

  void it('reads back what it minted for the same user before expiry', () => {
    assert.deepEqual(readLinkRequestState(SECRET, minted, 'alice', NOW), {
      'demo-calendar': 'link-id-1',
    })
  })

  void it('refuses another user, an expired state, another server’s secret', () => {
    assert.equal(readLinkRequestState(SECRET, minted, 'bob', NOW), undefined)
    assert.equal(readLinkRequestState(SECRET, minted, 'alice', NOW + 60_000), undefined)
    assert.equal(readLinkRequestState('another-secret', minted, 'alice', NOW), undefined)
  })

  void it('refuses a state whose payload was changed by the client (MAC)', () => {
    const [, tag] = minted.split('.')
    const forged = Buffer.from(
      JSON.stringify({ sub: 'alice', links: { 'demo-calendar': 'bobs-link' }, exp: NOW + 60_000 }),
    ).toString('base64url')
    assert.equal(readLinkRequestState(SECRET, `${forged}.${tag ?? ''}`, 'alice', NOW), undefined)
    for (const junk of [undefined, 42, '', 'x', 'a.b.c', `${minted}.extra`, 'x'.repeat(5000)]) {
      assert.equal(readLinkRequestState(SECRET, junk, 'alice', NOW), undefined)
    }
  })
})
