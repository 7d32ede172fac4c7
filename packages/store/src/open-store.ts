import type { PostgresStoreOptions } from './postgres/open-postgres-store.ts'
import { openSqliteStore } from './sqlite/open-sqlite-store.ts'
import type { SqliteStoreOptions } from './sqlite/open-sqlite-store.ts'
import type { Store } from './store.ts'

/** Which backend to open (`kind`) and its options. */
export type OpenStoreOptions =
  ({ kind: 'sqlite' } & SqliteStoreOptions) | ({ kind: 'postgres' } & PostgresStoreOptions)

/**
 * Opens a store and, unless `migrate` is false, brings its schema up to date. Other packages
 * read and write through the repository functions this package exports, never through `db`.
 * @throws StoreError `ERR_STORE_UNREACHABLE`, `ERR_STORE_MIGRATION_FAILED`.
 * @example
 * ```ts
 * const store = await openStore({ kind: 'sqlite', filename: '.mandate/mandate.db' })
 * const user = await findUser(store, { username: 'alice' })
 * await store.close()
 * ```
 */
export async function openStore(
  options: OpenStoreOptions,
  { migrate = true }: { migrate?: boolean } = {},
): Promise<Store> {
  const store = options.kind === 'sqlite' ? openSqliteStore(options) : await openPostgres(options)
  if (migrate) {
    try {
      await store.migrate()
    } catch (error) {
      await store.close()
      throw error
    }
  }
  return store
}

// Loaded on first use: `pg` and the PostgreSQL backend are about thirty modules that a process
// on SQLite (every CLI command, most tests) would otherwise load at start-up.
async function openPostgres(options: PostgresStoreOptions): Promise<Store> {
  const { openPostgresStore } = await import('./postgres/open-postgres-store.ts')
  return openPostgresStore(options)
}
