import { sql } from 'kysely'
import type { Kysely } from 'kysely'

// The token vault (@mandate/vault): encrypted third-party credentials and provider client
// secrets. `secret` holds an envelope whose key version is mirrored in `key_version` so that
// rotation can find and count the records a key version still protects.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vault_credentials')
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('sub', 'varchar(255)', (col) => col.notNull())
    .addColumn('provider', 'varchar(100)', (col) => col.notNull())
    .addColumn('account', 'varchar(255)', (col) => col.notNull())
    .addColumn('kind', 'varchar(20)', (col) => col.notNull())
    .addColumn('is_default', 'integer', (col) => col.notNull())
    .addColumn('status', 'varchar(20)', (col) => col.notNull())
    .addColumn('scopes', 'text', (col) => col.notNull())
    .addColumn('token_type', 'varchar(40)', (col) => col.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('key_version', 'integer', (col) => col.notNull())
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('refresh_failures', 'integer', (col) => col.notNull())
    .addColumn('refresh_blocked_until', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .addUniqueConstraint('vault_credentials_account', ['sub', 'provider', 'account'])
    .execute()
  // At most one default account per user and provider.
  await db.schema
    .createIndex('vault_credentials_one_default')
    .on('vault_credentials')
    .columns(['sub', 'provider'])
    .unique()
    .where(sql.ref('is_default'), '=', 1)
    .execute()
  await db.schema
    .createIndex('vault_credentials_key_version')
    .on('vault_credentials')
    .column('key_version')
    .execute()
  await db.schema
    .createTable('vault_provider_secrets')
    .addColumn('provider', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('key_version', 'integer', (col) => col.notNull())
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'bigint', (col) => col.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('vault_provider_secrets').execute()
  await db.schema.dropTable('vault_credentials').execute()
}
