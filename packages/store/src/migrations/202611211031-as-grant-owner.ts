import type { Kysely } from 'kysely'

// Grants of @mandate/authorization-server are remembered per user and client across browser
// sessions: their owner is kept in columns (not only in the JSON payload) so that the grant of
// a (user, client) pair and the grants shown on a user's account page are found by index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('as_oidc_records').addColumn('account_id', 'varchar(200)').execute()
  await db.schema.alterTable('as_oidc_records').addColumn('client_id', 'varchar(2000)').execute()
  await db.schema
    .createIndex('as_oidc_records_account')
    .on('as_oidc_records')
    .columns(['account_id', 'model'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('as_oidc_records_account').execute()
  await db.schema.alterTable('as_oidc_records').dropColumn('client_id').execute()
  await db.schema.alterTable('as_oidc_records').dropColumn('account_id').execute()
}
