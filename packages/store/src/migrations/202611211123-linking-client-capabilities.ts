import type { Kysely } from 'kysely'

// What a 2025-era MCP client declared at `initialize` (stateless serving forgets it between
// requests): whether it handles URL-mode elicitation, per user and OAuth client, so that
// @mandate/server sends URL elicitation only to clients that asked for it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('server_client_capabilities')
    .addColumn('sub', 'varchar(255)', (col) => col.notNull())
    .addColumn('client_id', 'varchar(2000)', (col) => col.notNull())
    .addColumn('url_elicitation', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('server_client_capabilities_pk', ['sub', 'client_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_client_capabilities').execute()
}
