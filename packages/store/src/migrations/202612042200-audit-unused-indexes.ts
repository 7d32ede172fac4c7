import type { Kysely } from 'kysely'

// Drops the audit indexes on `sub` and `client_id` (202612041600-audit): no query uses them.
// The user and client filters match `sub = ? OR user_name = ?` (and `client_id`/`client_name`),
// an OR over a column without an index, which SQLite and PostgreSQL answer by a scan with or
// without them (EXPLAIN), while every stored event paid two more B-tree inserts: about half of
// SQLite's insert cost per row (bench/audit). Time-range filters keep `audit_events_time`; the
// chain, verification and retention keep the unique (`stream`, `seq`) index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_events_sub').ifExists().execute()
  await db.schema.dropIndex('audit_events_client_id').ifExists().execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['sub', 'client_id']) {
    await db.schema
      .createIndex(`audit_events_${column}`)
      .ifNotExists()
      .on('audit_events')
      .column(column)
      .execute()
  }
}
