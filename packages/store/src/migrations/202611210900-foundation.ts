import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mandate_meta')
    .addColumn('name', 'varchar(200)', (col) => col.primaryKey())
    .addColumn('value', 'text', (col) => col.notNull())
    .execute()
  await db.schema
    .createTable('replay_keys')
    .addColumn('key', 'varchar(512)', (col) => col.primaryKey())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute()
  await db.schema
    .createTable('lock_leases')
    .addColumn('key', 'varchar(512)', (col) => col.primaryKey())
    .addColumn('owner', 'varchar(100)', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('lock_leases').execute()
  await db.schema.dropTable('replay_keys').execute()
  await db.schema.dropTable('mandate_meta').execute()
}
