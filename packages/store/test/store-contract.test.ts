import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { Migrator } from 'kysely/migration'
import { MIGRATIONS, getMeta, setMetaIfAbsent, StoreError } from '@mandate/store'
import type { JsonValue, Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'

for (const backend of backends()) {
  describe(`store contract on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store

    before(async () => {
      if (skip === false) store = await backend.open()
    })
    after(async () => {
      if (skip === false) await store.close()
      if (skip === false) await backend.cleanup()
    })

    describe('migrations', { skip }, () => {
      it('applies every migration and nothing is pending afterwards', async () => {
        assert.deepEqual(await store.pendingMigrations(), [])
        const again = await store.migrate()
        assert.deepEqual(again.applied, [])
        assert.deepEqual(again.current, Object.keys(MIGRATIONS))
      })
    })

    describe('setIfAbsent', { skip }, () => {
      it('accepts a key once while it lives', async () => {
        assert.equal(await store.setIfAbsent('jti-1', 60_000), true)
        assert.equal(await store.setIfAbsent('jti-1', 60_000), false)
        assert.equal(await store.setIfAbsent('jti-2', 60_000), true)
      })

      it('accepts the key again once it has expired', async () => {
        // While it lives it is refused (the test above, with a lifetime no load outlasts).
        assert.equal(await store.setIfAbsent('short', 30), true)
        await sleep(60)
        assert.equal(await store.setIfAbsent('short', 30), true)
      })

      it('has exactly one winner among concurrent callers', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.setIfAbsent('contended', 60_000)),
        )
        assert.equal(results.filter(Boolean).length, 1)
      })

      it('rejects a non-positive ttl', async () => {
        await assert.rejects(store.setIfAbsent('bad', 0), RangeError)
        await assert.rejects(store.setIfAbsent('bad', Number.NaN), RangeError)
      })
    })

    describe('withLock', { skip }, () => {
      it('never lets two holders overlap', async () => {
        let inside = 0
        let maxInside = 0
        await Promise.all(
          Array.from({ length: 8 }, () =>
            store.withLock('section', async () => {
              inside += 1
              maxInside = Math.max(maxInside, inside)
              await sleep(5)
              inside -= 1
            }),
          ),
        )
        assert.equal(maxInside, 1)
      })

      it('returns what fn returns and releases after a throw', async () => {
        await assert.rejects(
          store.withLock('throws', () => Promise.reject(new Error('boom'))),
          /boom/,
        )
        assert.equal(
          await store.withLock('throws', () => Promise.resolve(42), { timeoutMs: 60_000 }),
          42,
        )
      })

      it('times out while another holder keeps the lock', async () => {
        let release!: () => void
        const held = store.withLock(
          'busy',
          () => new Promise<void>((resolve) => (release = resolve)),
        )
        await sleep(50)
        await assert.rejects(
          store.withLock('busy', () => Promise.resolve(), { timeoutMs: 150 }),
          (error: unknown) =>
            error instanceof StoreError && error.code === 'ERR_STORE_LOCK_TIMEOUT',
        )
        release()
        await held
      })

      it('keeps different keys independent', async () => {
        const order: string[] = []
        await store.withLock('outer', async () => {
          await store.withLock('inner', () => {
            order.push('inner')
            return Promise.resolve()
          })
          order.push('outer')
        })
        assert.deepEqual(order, ['inner', 'outer'])
      })
    })

    describe('publish and subscribe', { skip }, () => {
      it('delivers to subscribers of the channel only, until they unsubscribe', async () => {
        const seen: JsonValue[] = []
        const other: JsonValue[] = []
        const unsubscribe = store.subscribe('revocations', (m) => seen.push(m))
        store.subscribe('elsewhere', (m) => other.push(m))
        await store.publish('revocations', { grant: 'g1' })
        await waitFor(() => seen.length === 1)
        assert.deepEqual(seen, [{ grant: 'g1' }])
        unsubscribe()
        await store.publish('revocations', { grant: 'g2' })
        await sleep(50)
        assert.deepEqual(seen, [{ grant: 'g1' }])
        assert.deepEqual(other, [])
      })
    })

    describe('meta', { skip }, () => {
      it('keeps the first value written', async () => {
        assert.equal(await getMeta(store, 'k'), undefined)
        assert.equal(await setMetaIfAbsent(store, 'k', 'first'), 'first')
        assert.equal(await setMetaIfAbsent(store, 'k', 'second'), 'first')
      })
    })
  })

  describe(`upgrade in place on ${backend.name}`, async () => {
    const skip = await backend.skip()
    const upgrade = backends().find((fresh) => fresh.name === backend.name)!
    after(async () => {
      if (skip === false) await upgrade.cleanup()
    })

    it(
      'migrates a database created by an older version without losing data',
      { skip },
      async () => {
        const old = await upgrade.open({ migrate: false })
        try {
          const options = upgrade.options()
          const migrator = new Migrator({
            db: old.db,
            provider: { getMigrations: () => Promise.resolve(MIGRATIONS) },
            // As the store does: name the schema, or Kysely may find another schema's tables.
            ...(options.kind === 'postgres' && options.schema !== undefined
              ? { migrationTableSchema: options.schema }
              : {}),
          })
          const first = Object.keys(MIGRATIONS)[0]!
          assert.equal((await migrator.migrateTo(first)).error, undefined)
          await old.db.insertInto('mandate_meta').values({ name: 'kept', value: 'yes' }).execute()
          assert.deepEqual(await old.pendingMigrations(), Object.keys(MIGRATIONS).slice(1))
        } finally {
          await old.close()
        }

        const current = await upgrade.open()
        try {
          assert.deepEqual(await current.pendingMigrations(), [])
          assert.equal(await getMeta(current, 'kept'), 'yes')
        } finally {
          await current.close()
        }
      },
    )
  })
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(5)
  }
}
