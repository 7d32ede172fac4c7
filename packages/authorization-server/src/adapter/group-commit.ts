import type { Store } from '@mandate/store'

/** One write of a batch: runs on the batch's transaction. */
export type BatchedWrite<T> = (tx: Pick<Store, 'db'>) => Promise<T>

/** Runs a write of `as_oidc_records`: in the next group commit on SQLite, else at once. */
export type RecordWrite = <T>(write: BatchedWrite<T>) => Promise<T>

interface Pending {
  write: BatchedWrite<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/**
 * Group commit on SQLite: the record writes queued during one turn of the event loop (the
 * consumes and inserts of concurrent token requests) run in one `BEGIN IMMEDIATE` transaction
 * at `setImmediate`, so they share one commit: each commit appends every page it dirtied to the
 * WAL, and that write volume, not the statements, was most of what the store added per token
 * request (docs/performance.md).
 *
 * Nothing changes for a caller but latency: its promise settles only after the commit, so no
 * answer is sent for a write that could still be lost (durability). The writes run one after
 * the other in queue order inside the transaction, which holds the write lock, so a consume is
 * as atomic as alone. Any failure, the commit's included, rolls the whole batch back and
 * rejects every write of it: after some errors SQLite has ended the transaction itself, and
 * the writes after it must not run outside one.
 */
export class GroupCommit {
  readonly #db: Store['db']
  #queue: Pending[] = []

  constructor(db: Store['db']) {
    this.#db = db
  }

  /** Runs `write` in the next batch; resolves with its result once the batch committed. */
  run<T>(write: BatchedWrite<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject })
      if (this.#queue.length === 1) {
        setImmediate(() => {
          void this.#flush()
        })
      }
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#queue
    this.#queue = []
    let values: unknown[]
    try {
      values = await this.#db.transaction().execute(async (db) => {
        const done: unknown[] = []
        for (const item of batch) done.push(await item.write({ db }))
        return done
      })
    } catch (error) {
      for (const item of batch) item.reject(error)
      return
    }
    batch.forEach((item, i) => {
      item.resolve(values[i])
    })
  }
}

// One group commit per database, shared by the adapter of every provider instance (one is built
// per signing-key change) and by every other writer of `as_oidc_records` in the process.
const groups = new WeakMap<Store['db'], GroupCommit>()

/**
 * How to write `as_oidc_records` on `store`: every writer of the table (the adapter, revoking a
 * user's or a client's grants, ending sessions) goes through this, so that on SQLite their
 * writes and deletes run in the order they were asked for, whatever the event-loop turn (a
 * grant saved and then revoked stays revoked). On PostgreSQL each write runs at once.
 */
export function recordWrites(store: Store): RecordWrite {
  if (store.kind !== 'sqlite') return (write) => write(store)
  let group = groups.get(store.db)
  if (group === undefined) {
    group = new GroupCommit(store.db)
    groups.set(store.db, group)
  }
  const found = group
  return (write) => found.run(write)
}
