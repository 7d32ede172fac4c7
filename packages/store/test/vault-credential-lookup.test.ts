import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import {
  findVaultCredential,
  getVaultCredential,
  insertVaultCredential,
  openStore,
} from '@mandate/store'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'

// findVaultCredential is the read path of every tool call (issue 18): compiled once and, on
// PostgreSQL, concurrent lookups share one named prepared statement. It must return exactly what
// a plain query returns, bind fresh values on every call, hand each caller only the row of its
// own `sub`, provider and account (catalogue #200) and survive a column being added while
// connections keep their prepared statement (rolling upgrade).
const row = (id: string, sub: string, account: string, isDefault: number) => ({
  id,
  sub,
  provider: 'github',
  account,
  kind: 'oauth' as const,
  is_default: isDefault,
  status: 'active' as const,
  scopes: 'repo',
  token_type: 'Bearer',
  expires_at: 1_900_000_000_000,
  key_version: 1,
  secret: `envelope-of-${id}`,
  version: 0,
  refresh_failures: 0,
  refresh_blocked_until: null,
  last_used_at: null,
  created_at: 1,
  updated_at: 2,
})

for (const backend of backends()) {
  describe(`findVaultCredential on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store

    before(async () => {
      if (skip !== false) return
      // One connection: the prepared statement is visible to the next query on PostgreSQL.
      const options = backend.options()
      store = await openStore(options.kind === 'postgres' ? { ...options, poolSize: 1 } : options)
      await insertVaultCredential(store, row('c-alice-1', 'alice', 'work', 1))
      await insertVaultCredential(store, row('c-alice-2', 'alice', 'home', 0))
      await insertVaultCredential(store, row('c-bob-1', 'bob', 'bob-gh', 1))
      await insertVaultCredential(store, row('c-dave-2', 'dave', 'old', 0))
      await insertVaultCredential(store, row('c-dave-1', 'dave', 'main', 1))
    })
    after(async () => {
      if (skip !== false) return
      await store.close()
      await backend.cleanup()
    })

    it(
      'returns the whole row a plain query returns, for fresh values each call',
      { skip },
      async () => {
        for (const [sub, id] of [
          ['alice', 'c-alice-1'],
          ['bob', 'c-bob-1'],
          ['alice', 'c-alice-1'],
        ] as const) {
          const found = await findVaultCredential(store, sub, 'github')
          assert.deepEqual(found, await getVaultCredential(store, sub, id))
        }
        assert.equal((await findVaultCredential(store, 'alice', 'github', 'home'))?.id, 'c-alice-2')
        assert.equal((await findVaultCredential(store, 'bob', 'github', 'bob-gh'))?.id, 'c-bob-1')
      },
    )

    it("never returns another user's account (positive control above)", { skip }, async () => {
      assert.equal(await findVaultCredential(store, 'alice', 'github', 'bob-gh'), undefined)
      assert.equal(await findVaultCredential(store, 'carol', 'github'), undefined)
      assert.equal(await findVaultCredential(store, 'alice', 'gitlab'), undefined)
    })

    it(
      'hands each concurrent lookup only its own row (one batch on PostgreSQL)',
      { skip },
      async () => {
        const lookups = [
          ['alice', undefined, 'c-alice-1'],
          ['bob', undefined, 'c-bob-1'],
          ['alice', 'home', 'c-alice-2'],
          ['alice', 'bob-gh', undefined],
          ['bob', 'work', undefined],
          ['carol', undefined, undefined],
          ['alice', undefined, 'c-alice-1'],
        ] as const
        // 150 lookups in one turn also cover the split into several statements.
        const rounds = Array.from({ length: 150 / lookups.length + 1 }, () => lookups).flat()
        const otherProvider = findVaultCredential(store, 'alice', 'gitlab')
        const found = await Promise.all(
          rounds.map(([sub, account]) => findVaultCredential(store, sub, 'github', account)),
        )
        assert.deepEqual(
          found.map((credential) => credential?.id),
          rounds.map(([, , id]) => id),
        )
        assert.equal(await otherProvider, undefined)
        assert.deepEqual(found[0], await getVaultCredential(store, 'alice', 'c-alice-1'))
        // Dave's non-default account is stored first: the default lookup must still skip its row,
        // whichever order the lookups come in.
        for (const defaultFirst of [true, false]) {
          const early = defaultFirst ? findVaultCredential(store, 'dave', 'github') : undefined
          const old = findVaultCredential(store, 'dave', 'github', 'old')
          const late = defaultFirst ? undefined : findVaultCredential(store, 'dave', 'github')
          assert.equal((await old)?.id, 'c-dave-2')
          assert.equal((await (early ?? late))?.id, 'c-dave-1')
        }
        assert.equal((await findVaultCredential(store, 'dave', 'github'))?.id, 'c-dave-1')
      },
    )

    it('fails every lookup of a batch whose query fails', { skip }, async () => {
      const broken = await openStore(backend.options())
      await broken.close()
      const results = await Promise.allSettled([
        findVaultCredential(broken, 'alice', 'github'),
        findVaultCredential(broken, 'bob', 'github'),
      ])
      assert.deepEqual(
        results.map((result) => result.status),
        ['rejected', 'rejected'],
      )
    })

    it('keeps working after a column is added to the table', { skip }, async () => {
      assert.equal((await findVaultCredential(store, 'alice', 'github'))?.id, 'c-alice-1')
      if (backend.name === 'postgres') {
        const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements
          where name like 'mandate_%'`.execute(store.db)
        assert.ok(rows.length > 0, 'the lookup runs as a prepared statement')
      }
      await sql`alter table vault_credentials add column later_column text`.execute(store.db)
      const found = await findVaultCredential(store, 'alice', 'github')
      assert.equal(found?.id, 'c-alice-1')
      assert.equal((found as Record<string, unknown> | undefined)?.['later_column'], undefined)
    })

    it('runs unprepared when preparedStatements is false (PostgreSQL)', { skip }, async (t) => {
      const options = backend.options()
      if (options.kind !== 'postgres') return
      const plain = await openStore({ ...options, poolSize: 1, preparedStatements: false })
      t.after(() => plain.close())
      assert.equal((await findVaultCredential(plain, 'bob', 'github'))?.id, 'c-bob-1')
      const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements
        where name like 'mandate_%'`.execute(plain.db)
      assert.deepEqual(rows, [])
    })
  })
}
