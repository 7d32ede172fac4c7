import type { Kysely } from 'kysely'

// The gateway's `approve` policy action (docs/gateway.md): one row per call a person is asked to
// approve, bound to the SHA-256 of (user, client, upstream, tool, canonical arguments). The URL
// carries a random id whose hash is the key; `arguments` is a bounded copy shown on the page,
// cleared once the person decided; `status` moves pending → approved|denied → used|closed by
// conditional updates, so an approval is spent exactly once across instances.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gateway_approvals')
    .addColumn('id_hash', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('call_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('sub', 'varchar(255)', (col) => col.notNull())
    .addColumn('client_id', 'varchar(2000)', (col) => col.notNull())
    .addColumn('upstream', 'varchar(255)', (col) => col.notNull())
    .addColumn('tool', 'varchar(1000)', (col) => col.notNull())
    .addColumn('arguments', 'text', (col) => col.notNull())
    .addColumn('mfa', 'integer', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('elicitation_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('gateway_approvals_call')
    .on('gateway_approvals')
    .columns(['call_hash', 'status'])
    .execute()
  await db.schema
    .createIndex('gateway_approvals_expiry')
    .on('gateway_approvals')
    .column('expires_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('gateway_approvals').execute()
}
