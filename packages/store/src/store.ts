import type { Kysely } from 'kysely'
import type { Database } from './schema.ts'

/** A JSON value, as carried by `publish`. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/** How long `withLock` waits for the lock. */
export interface WithLockOptions {
  /** How long to wait for the lock before failing with `ERR_STORE_LOCK_TIMEOUT`. Default 10 s. */
  timeoutMs?: number
}

/** What `migrate` applied and what the database now records. */
export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  applied: string[]
  /** All migrations now recorded in the database. */
  current: string[]
}

/**
 * Persistence and the cross-instance primitives every other package relies on. One contract,
 * two backends: embedded SQLite (one process) and PostgreSQL (many processes).
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /**
   * The typed query builder. Only this package's repositories use it; other packages call the
   * repository functions (test/store-boundary.test.ts pins this).
   */
  readonly db: Kysely<Database>

  /**
   * Runs `fn` while holding the named lock, exclusive across every process using this store.
   * The lock is released when `fn` settles (resolves or throws) and, on PostgreSQL, when the
   * holding process dies (its session ends). `signal` aborts if the lock is lost while `fn` runs
   * (database connection dropped), so `fn` can stop before it writes.
   * @throws StoreError `ERR_STORE_LOCK_TIMEOUT` when the lock was not obtained in time.
   */
  withLock<T>(
    key: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options?: WithLockOptions,
  ): Promise<T>

  /**
   * Delivers `message` to every subscriber of `channel` on every instance, this one included.
   * At-most-once: a subscriber disconnected at the time misses it and is told through
   * `onResubscribe`, so that caches can be dropped wholesale.
   */
  publish(channel: string, message: JsonValue): Promise<void>
  /** Calls `handler` for each message on `channel`. Returns the unsubscribe function. */
  subscribe(channel: string, handler: (message: JsonValue) => void): () => void
  /**
   * Calls `handler` after the notification connection came back from a drop: messages sent
   * meanwhile were lost, so whatever they would have invalidated must be invalidated now.
   */
  onResubscribe(handler: () => void): () => void

  /**
   * Records `key` for `ttlMs` if it is not recorded yet. Returns true for exactly one caller
   * across all instances while the key lives; false for every other. For replay caches.
   */
  setIfAbsent(key: string, ttlMs: number): Promise<boolean>

  /** Applies pending migrations (idempotent; serialised across instances). */
  migrate(): Promise<MigrationReport>
  /** Names of migrations that are known to this version but not applied. */
  pendingMigrations(): Promise<string[]>
  /** Succeeds when the database answers a trivial query. */
  ping(): Promise<void>
  /** Stops timers, listeners and connections. Waits for running queries. */
  close(): Promise<void>
}
