// The migrator asks the dialect which tables exist. Kysely's stock PostgreSQL introspector reads
// every schema of the database (and calls pg_get_serial_sequence on each column), so a schema
// dropped by another tenant at that moment failed our migration with "schema … does not
// exist". The store's introspector reads its own schema only.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import type { Store } from '@mandate/store'
import { postgresBackend } from '../../../test/support/stores.ts'
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL } from '../../../test/support/postgres.ts'

const backend = postgresBackend()
const skip = await backend.skip()

void describe('PostgreSQL store introspection', { skip }, () => {
  let store: Store
  let admin: pg.Client
  const other = freshSchemaName()

  before(async () => {
    store = await backend.open()
    admin = new pg.Client({ connectionString: POSTGRES_TEST_URL })
    await admin.connect()
    await admin.query(`create schema "${other}"`)
    await admin.query(`create table "${other}".elsewhere (id serial primary key)`)
  })
  after(async () => {
    await admin.end()
    await dropSchema(other)
    await store.close()
    await backend.cleanup()
  })

  it("lists this store's tables and no other schema's", async () => {
    const names = (await store.db.introspection.getTables()).map((table) => table.name)
    assert.ok(names.includes('mandate_meta'), 'positive control: our own table is listed')
    assert.ok(!names.includes('elsewhere'))
  })

  it('migrations keep answering while other schemas are created and dropped', async () => {
    const churning = { on: true }
    const churn = (async () => {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL })
      await client.connect()
      try {
        for (let i = 0; churning.on; i++) {
          const name = `${other}_${String(i)}`
          await client.query(`create schema "${name}"`)
          await client.query(`create table "${name}".t (id serial primary key, v text)`)
          await client.query(`drop schema "${name}" cascade`)
        }
      } finally {
        await client.end()
      }
    })()
    try {
      for (let i = 0; i < 150; i++) {
        assert.deepEqual(await store.pendingMigrations(), [])
        assert.deepEqual((await store.migrate()).applied, [])
      }
    } finally {
      churning.on = false
      await churn
    }
  })
})
