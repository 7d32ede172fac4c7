import { PostgresAdapter } from 'kysely'
import type { Kysely } from 'kysely'

// The audit trail (issue 14, docs/audit.md): one row per event, hash-chained per instance
// stream (`stream`, `seq`, `prev_hash`, `hash`), and the signed checkpoints that anchor each
// stream. `id` orders events across streams for listing only; the chain is per stream.
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('audit_events')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (col) =>
      postgres ? col.primaryKey() : col.primaryKey().autoIncrement(),
    )
    .addColumn('stream', 'text', (col) => col.notNull())
    .addColumn('seq', 'bigint', (col) => col.notNull())
    .addColumn('time', 'bigint', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('sub', 'text')
    .addColumn('user_name', 'text')
    .addColumn('client_id', 'text')
    .addColumn('client_name', 'text')
    .addColumn('act', 'text')
    .addColumn('tool', 'text')
    .addColumn('server', 'text')
    .addColumn('scope_requested', 'text')
    .addColumn('scope_granted', 'text')
    .addColumn('acr', 'text')
    .addColumn('amr', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('request_id', 'text')
    .addColumn('instance_id', 'text')
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('prev_hash', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    .addUniqueConstraint('audit_events_stream_seq', ['stream', 'seq'])
    .execute()
  // The common filters (time range, user, client); type, tool and outcome narrow those.
  for (const column of ['time', 'sub', 'client_id']) {
    await db.schema
      .createIndex(`audit_events_${column}`)
      .on('audit_events')
      .column(column)
      .execute()
  }
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (col) =>
      postgres ? col.primaryKey() : col.primaryKey().autoIncrement(),
    )
    .addColumn('stream', 'text', (col) => col.notNull())
    .addColumn('seq', 'bigint', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    .addColumn('time', 'bigint', (col) => col.notNull())
    .addColumn('kid', 'text', (col) => col.notNull())
    .addColumn('signature', 'text', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('audit_checkpoints_stream_seq')
    .on('audit_checkpoints')
    .columns(['stream', 'seq'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_checkpoints').execute()
  await db.schema.dropTable('audit_events').execute()
}
