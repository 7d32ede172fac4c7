import type { Kysely } from 'kysely'

// The purge of expired replay keys scans by expiry.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('replay_keys_expires_at')
    .on('replay_keys')
    .column('expires_at')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('replay_keys_expires_at').execute()
}
