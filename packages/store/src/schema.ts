/**
 * The database schema as Kysely sees it. One interface per table; columns use snake_case as
 * in SQL. Times are integer milliseconds since the epoch on both backends.
 */
export interface Database {
  mandate_meta: MetaTable
  replay_keys: ReplayKeyTable
  lock_leases: LockLeaseTable
}

/** Small named values the installation keeps about itself (e.g. key check values). */
export interface MetaTable {
  name: string
  value: string
}

/** Keys seen once within their lifetime: DPoP `jti`s, one-time codes. See `setIfAbsent`. */
export interface ReplayKeyTable {
  key: string
  expires_at: number
}

/** Lease-based locks, used by the SQLite backend's `withLock`. */
export interface LockLeaseTable {
  key: string
  owner: string
  expires_at: number
}
