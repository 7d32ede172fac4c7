import { sql } from 'kysely'
import type { Kysely } from 'kysely'

// Only interactions and sessions carry a `uid_hash`, only grants an `account_id`: the indexes on
// them become partial, so storing a code or token (every token request) no longer writes an
// entry of NULLs into each. Every query on them compares with `=`, which implies NOT NULL, so
// both SQLite and PostgreSQL still use them (docs/performance.md, token endpoint).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('as_oidc_records_uid').execute()
  await db.schema
    .createIndex('as_oidc_records_uid')
    .on('as_oidc_records')
    .columns(['model', 'uid_hash'])
    .where(sql.ref('uid_hash'), 'is not', null)
    .execute()
  await db.schema.dropIndex('as_oidc_records_account').execute()
  await db.schema
    .createIndex('as_oidc_records_account')
    .on('as_oidc_records')
    .columns(['account_id', 'model'])
    .where(sql.ref('account_id'), 'is not', null)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('as_oidc_records_uid').execute()
  await db.schema
    .createIndex('as_oidc_records_uid')
    .on('as_oidc_records')
    .columns(['model', 'uid_hash'])
    .execute()
  await db.schema.dropIndex('as_oidc_records_account').execute()
  await db.schema
    .createIndex('as_oidc_records_account')
    .on('as_oidc_records')
    .columns(['account_id', 'model'])
    .execute()
}
