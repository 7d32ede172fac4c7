import type { Kysely } from 'kysely'

// Completion notices for 2025-11-25 clients (`notifications/elicitation/complete`) go only to the
// client that started the elicitation (MCP elicitation, "URL Mode"): a pending link records the
// OAuth client it was made for, and when it was completed, so that a notification stream opened
// just after the completion can still deliver it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('server_pending_links')
    .addColumn('client_id', 'varchar(2000)')
    .execute()
  await db.schema.alterTable('server_pending_links').addColumn('completed_at', 'bigint').execute()
  await db.schema
    .createIndex('server_pending_links_completed')
    .on('server_pending_links')
    .columns(['sub', 'completed_at'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('server_pending_links_completed').execute()
  await db.schema.alterTable('server_pending_links').dropColumn('completed_at').execute()
  await db.schema.alterTable('server_pending_links').dropColumn('client_id').execute()
}
