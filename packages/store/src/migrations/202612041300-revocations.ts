import { PostgresAdapter } from 'kysely'
import type { Kysely } from 'kysely'

// The revocation log (issue 12, docs/revocation.md): one row per revocation, in order. It is at
// once the deny-list of revoked access-token `jti`s (kept until the token's expiry), the
// grant/user/client cut-offs, the catch-up source of instances that lost pub/sub messages (and
// of SQLite processes, which share no pub/sub), and the cursor of the HTTP revocation feed.
// It replaces the per-issuance record of every access token (as_access_tokens).
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('revocations')
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (col) =>
      postgres ? col.primaryKey() : col.primaryKey().autoIncrement(),
    )
    .addColumn('kind', 'varchar(20)', (col) => col.notNull())
    .addColumn('jti', 'varchar(200)')
    .addColumn('gid', 'varchar(64)')
    .addColumn('sub', 'varchar(255)')
    .addColumn('client_id', 'varchar(2000)')
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('event', 'text', (col) => col.notNull())
    .execute()
  await db.schema.createIndex('revocations_jti').on('revocations').column('jti').execute()
  await db.schema.createIndex('revocations_gid').on('revocations').column('gid').execute()
  await db.schema.createIndex('revocations_sub').on('revocations').column('sub').execute()
  await db.schema.createIndex('revocations_at').on('revocations').column('at').execute()
  await db.schema
    .createIndex('revocations_expires')
    .on('revocations')
    .column('expires_at')
    .execute()
  await db.schema.dropTable('as_access_tokens').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('revocations').execute()
  await db.schema
    .createTable('as_access_tokens')
    .addColumn('jti_hash', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('grant_id', 'varchar(200)')
    .addColumn('client_id', 'varchar(2000)', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()
}
