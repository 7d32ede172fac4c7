import type { Kysely } from 'kysely'

// Pending account links of @mandate/server (URL-mode elicitation). A link is bound to the user's
// `sub`, never to the MCP session. The URL carries a random id; only its SHA-256 is stored, so
// a database dump yields no usable connect URL. `state` finds the link on the provider callback.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('server_pending_links')
    .addColumn('id_hash', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('sub', 'varchar(255)', (col) => col.notNull())
    .addColumn('elicitation_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('provider', 'varchar(100)', (col) => col.notNull())
    .addColumn('scopes', 'text', (col) => col.notNull())
    .addColumn('status', 'varchar(20)', (col) => col.notNull())
    .addColumn('state', 'varchar(128)', (col) => col.unique())
    .addColumn('transaction', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('server_pending_links_expiry')
    .on('server_pending_links')
    .column('expires_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_pending_links').execute()
}
