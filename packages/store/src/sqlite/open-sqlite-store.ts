import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Kysely, sql } from 'kysely'
import { StoreError } from '../errors.ts'
import { LocalPubSub } from '../lib/local-pubsub.ts'
import {
  errorMessage,
  migrateToLatest,
  pendingMigrations,
  ping,
  schedulePurge,
  setIfAbsent,
} from '../lib/shared-operations.ts'
import type { Database } from '../schema.ts'
import type { Store } from '../store.ts'
import { withLeaseLock } from './lease-lock.ts'
import { NodeSqliteDialect } from './node-sqlite-dialect.ts'

/** File and lock-wait settings of the SQLite backend. */
export interface SqliteStoreOptions {
  /** Path of the database file; created with its directory if missing. `:memory:` for tests. */
  filename: string
  /** How long a statement waits for another process's write lock. Default 5 s. */
  busyTimeoutMs?: number
}

/**
 * Opens the embedded backend: one SQLite file in WAL mode with foreign keys enforced.
 * Publish/subscribe is in-process only, so one file serves one `mandate serve` process.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.filename !== ':memory:') {
    mkdirSync(dirname(options.filename), { recursive: true, mode: 0o700 })
    // Owner-only from the first byte; SQLite gives the -wal and -shm files the same mode.
    closeSync(openSync(options.filename, 'a', 0o600))
  }
  let database: DatabaseSync
  try {
    database = new DatabaseSync(options.filename, { timeout: options.busyTimeoutMs ?? 5_000 })
    database.exec('PRAGMA journal_mode = WAL')
    database.exec('PRAGMA synchronous = NORMAL')
    database.exec('PRAGMA foreign_keys = ON')
  } catch (error) {
    throw new StoreError(
      'ERR_STORE_UNREACHABLE',
      `cannot open SQLite database ${options.filename}: ${errorMessage(error)}`,
      { cause: error },
    )
  }
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect(database) })
  const pubsub = new LocalPubSub()
  const purge = schedulePurge(db)
  let closed = false

  return {
    kind: 'sqlite',
    db,
    withLock: (key, fn, lockOptions) => withLeaseLock(db, key, fn, lockOptions),
    publish: (channel, message) => {
      pubsub.deliver(channel, message)
      return Promise.resolve()
    },
    subscribe: (channel, handler) => pubsub.subscribe(channel, handler),
    onResubscribe: () => () => undefined,
    setIfAbsent: (key, ttlMs) => setIfAbsent(db, key, ttlMs),
    migrate: () => migrateToLatest(db),
    pendingMigrations: () => pendingMigrations(db),
    ping: () => ping(db),
    close: async () => {
      if (closed) return
      closed = true
      clearInterval(purge)
      // Fold the write-ahead log back into the database file so a stopped server leaves one
      // self-contained, consistent file.
      await sql`pragma wal_checkpoint(truncate)`.execute(db).catch(() => undefined)
      await db.destroy()
    },
  }
}
