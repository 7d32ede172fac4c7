import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'

// Sign-in failures of @mandate/authorization-server are counted per username, known or not, in
// one table keyed by a SHA-256 of the normalised name: an unknown name is locked exactly as a
// real one, so a lockout does not reveal which accounts exist. The count is incremented by one
// atomic upsert (parallel guesses all count). The counters move out of `as_users`, in-flight
// locks with them. The key must match `loginThrottleKey` in the authorization server.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('as_login_failures')
    .addColumn('key_hash', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('failed_logins', 'integer', (col) => col.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('as_login_failures_updated')
    .on('as_login_failures')
    .column('updated_at')
    .execute()
  const typed = db as unknown as Kysely<Tables>
  const rows = await typed
    .selectFrom('as_users')
    .select(['username', 'failed_logins', 'locked_until'])
    .where('failed_logins', '>', 0)
    .execute()
  const now = Date.now()
  for (const row of rows) {
    await typed
      .insertInto('as_login_failures')
      .values({
        key_hash: createHash('sha256').update(`mandate:login:${row.username}`).digest('hex'),
        failed_logins: row.failed_logins,
        locked_until: row.locked_until,
        updated_at: now,
      })
      .execute()
  }
  await db.schema.alterTable('as_users').dropColumn('locked_until').execute()
  await db.schema.alterTable('as_users').dropColumn('failed_logins').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('as_users')
    .addColumn('failed_logins', 'integer', (col) => col.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('as_users').addColumn('locked_until', 'bigint').execute()
  await db.schema.dropTable('as_login_failures').execute()
}

interface Tables {
  as_users: { username: string; failed_logins: number; locked_until: number | null }
  as_login_failures: {
    key_hash: string
    failed_logins: number
    locked_until: number | null
    updated_at: number
  }
}
