import { sql } from 'kysely'
import { Migrator } from 'kysely/migration'
import type { Kysely } from 'kysely'
import { StoreError } from '../errors.ts'
import { migrationProvider } from '../migrations/index.ts'
import type { Database } from '../schema.ts'
import type { MigrationReport } from '../store.ts'

/** `setIfAbsent` for both backends: an upsert that only overwrites an expired row. */
export async function setIfAbsent(
  db: Kysely<Database>,
  key: string,
  ttlMs: number,
  now: number = Date.now(),
): Promise<boolean> {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('ttlMs must be a positive number')
  const inserted = await db
    .insertInto('replay_keys')
    .values({ key, expires_at: now + Math.ceil(ttlMs) })
    .onConflict((conflict) =>
      conflict
        .column('key')
        .doUpdateSet({ expires_at: (eb) => eb.ref('excluded.expires_at') })
        .where('replay_keys.expires_at', '<=', now),
    )
    .returning('key')
    .executeTakeFirst()
  return inserted !== undefined
}

/** Deletes expired replay keys every minute; the timer does not keep the process alive. */
export function schedulePurge(db: Kysely<Database>, everyMs = 60_000): NodeJS.Timeout {
  const timer = setInterval(() => {
    purgeExpiredReplayKeys(db).catch(() => undefined)
  }, everyMs)
  timer.unref()
  return timer
}

/** Deletes replay keys past their lifetime (see `Store.setIfAbsent`). */
export async function purgeExpiredReplayKeys(
  db: Kysely<Database>,
  now: number = Date.now(),
): Promise<void> {
  await db.deleteFrom('replay_keys').where('expires_at', '<=', now).execute()
}

// Kysely looks for its migration tables across every schema unless told which one: name it,
// or another schema's tables in the same database would be mistaken for ours.
function migratorFor(db: Kysely<Database>, schema: string | undefined): Migrator {
  return new Migrator({
    db,
    provider: migrationProvider,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
}

/** Applies every pending migration (both backends); a failure names the migration. */
export async function migrateToLatest(
  db: Kysely<Database>,
  schema?: string,
): Promise<MigrationReport> {
  const migrator = migratorFor(db, schema)
  const { error, results = [] } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')
    throw new StoreError(
      'ERR_STORE_MIGRATION_FAILED',
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${errorMessage(error)}`,
      { cause: error },
    )
  }
  const current = (await migrator.getMigrations())
    .filter((migration) => migration.executedAt !== undefined)
    .map((migration) => migration.name)
  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    current,
  }
}

/** Names of migrations this version knows that the database has not applied. */
export async function pendingMigrations(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const migrator = migratorFor(db, schema)
  return (await migrator.getMigrations())
    .filter((migration) => migration.executedAt === undefined)
    .map((migration) => migration.name)
}

/** A trivial query, to tell that the database answers. */
export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db)
}

/** The message of a thrown value, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
