import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { consumeOidcRecord, findOidcRecord, upsertOidcRecord } from '@mandate/store'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'

// The atomic consume behind single-use codes and refresh-token rotation (RFC 9700 §4.5,
// §4.14.2), on each backend directly: the compare-and-set itself, not only a race around it.
for (const backend of backends()) {
  describe(`consuming oidc-provider records on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    let next = 0
    const record = async (): Promise<string> => {
      next += 1
      const id_hash = `hash-${String(next)}`
      await upsertOidcRecord(store, {
        model: 'RefreshToken',
        id_hash,
        payload: '{}',
        grant_id: 'grant-1',
        uid_hash: null,
        user_code_hash: null,
        account_id: 'alice',
        client_id: 'client-1',
        expires_at: 2_000_000_000,
      })
      return id_hash
    }

    before(async () => {
      if (skip === false) store = await backend.open()
    })
    after(async () => {
      if (skip === false) await store.close()
      if (skip === false) await backend.cleanup()
    })

    it('consumes a record once; the second consume is refused', { skip }, async () => {
      const id = await record()
      assert.equal(await consumeOidcRecord(store, 'RefreshToken', id, 1000), true)
      assert.equal(await consumeOidcRecord(store, 'RefreshToken', id, 2000), false)
      // The first consumption time stays.
      assert.equal((await findOidcRecord(store, 'RefreshToken', id))?.consumed_at, 1000)
      // Positive control: another record is still consumable.
      assert.equal(await consumeOidcRecord(store, 'RefreshToken', await record(), 2000), true)
    })

    it('has exactly one winner among concurrent consumers', { skip }, async () => {
      const id = await record()
      const wins = await Promise.all(
        Array.from({ length: 16 }, () => consumeOidcRecord(store, 'RefreshToken', id, 1000)),
      )
      assert.equal(wins.filter(Boolean).length, 1)
    })

    it(
      'allows one more consume inside the grace window, not two, not after it',
      { skip },
      async () => {
        const inside = await record()
        assert.equal(await consumeOidcRecord(store, 'RefreshToken', inside, 1000, 0), true)
        assert.equal(await consumeOidcRecord(store, 'RefreshToken', inside, 1500, 500), true)
        assert.equal(await consumeOidcRecord(store, 'RefreshToken', inside, 1600, 600), false)
        const outside = await record()
        assert.equal(await consumeOidcRecord(store, 'RefreshToken', outside, 1000, 0), true)
        // The grace started after the first consumption: refused.
        assert.equal(await consumeOidcRecord(store, 'RefreshToken', outside, 5000, 4000), false)
      },
    )
  })
}
