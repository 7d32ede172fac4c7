import type { Kysely } from 'kysely'

// Third-party providers registered by an operator with `mandate providers add` (issue 13). The
// row is metadata only (the definition, the client id); the client secret is sealed by the vault
// in `vault_provider_secrets`, where key rotation re-wraps it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('providers')
    .addColumn('id', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('definition', 'text', (col) => col.notNull())
    .addColumn('client_id', 'varchar(2000)')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('providers').execute()
}
