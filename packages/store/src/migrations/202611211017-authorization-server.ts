import type { Kysely } from 'kysely'

// Tables of @mandate/authorization-server: the oidc-provider adapter's records (stored under
// a SHA-256 of their id, so that a dump yields no usable code, token or session cookie),
// the signing keys, local user accounts and the JWT access tokens issued (for revocation,
// introspection and token exchange, which need state that a self-contained JWT lacks).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('as_oidc_records')
    .addColumn('model', 'varchar(40)', (col) => col.notNull())
    .addColumn('id_hash', 'varchar(64)', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('grant_id', 'varchar(200)')
    .addColumn('uid_hash', 'varchar(64)')
    .addColumn('user_code_hash', 'varchar(64)')
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addColumn('reuse_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('as_oidc_records_pk', ['model', 'id_hash'])
    .execute()
  await db.schema
    .createIndex('as_oidc_records_grant')
    .on('as_oidc_records')
    .column('grant_id')
    .execute()
  await db.schema
    .createIndex('as_oidc_records_uid')
    .on('as_oidc_records')
    .columns(['model', 'uid_hash'])
    .execute()
  await db.schema
    .createIndex('as_oidc_records_expires')
    .on('as_oidc_records')
    .column('expires_at')
    .execute()

  await db.schema
    .createTable('as_signing_keys')
    .addColumn('kid', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('alg', 'varchar(20)', (col) => col.notNull())
    .addColumn('private_jwk', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('activates_at', 'bigint', (col) => col.notNull())
    .addColumn('retires_at', 'bigint')
    .execute()

  await db.schema
    .createTable('as_users')
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('username', 'varchar(200)', (col) => col.notNull().unique())
    .addColumn('display_name', 'varchar(200)')
    .addColumn('email', 'varchar(320)')
    .addColumn('password_hash', 'text')
    .addColumn('upstream_issuer', 'varchar(500)')
    .addColumn('upstream_subject', 'varchar(255)')
    .addColumn('disabled_at', 'bigint')
    .addColumn('failed_logins', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('totp_secret', 'text')
    .addColumn('totp_enrolled_at', 'bigint')
    .addColumn('totp_last_step', 'bigint')
    .addColumn('recovery_codes', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute()
  await db.schema
    .createIndex('as_users_upstream')
    .on('as_users')
    .columns(['upstream_issuer', 'upstream_subject'])
    .unique()
    .execute()

  await db.schema
    .createTable('as_access_tokens')
    .addColumn('jti_hash', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('grant_id', 'varchar(200)')
    .addColumn('client_id', 'varchar(2000)', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('as_access_tokens_grant')
    .on('as_access_tokens')
    .column('grant_id')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('as_access_tokens').execute()
  await db.schema.dropTable('as_users').execute()
  await db.schema.dropTable('as_signing_keys').execute()
  await db.schema.dropTable('as_oidc_records').execute()
}
