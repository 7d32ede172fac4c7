import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import { StoreError } from '../errors.ts'
import type { Database } from '../schema.ts'
import type { WithLockOptions } from '../store.ts'

/** A lease outlives its holder by at most this long if the holder dies without releasing. */
export const LEASE_MS = 5_000
const RENEW_EVERY_MS = LEASE_MS / 3

/**
 * Mutual exclusion through a lease row, taken and released in immediate (write-locking)
 * transactions, so it holds across processes that share the SQLite file. A live holder renews
 * its lease; a dead one's lease expires after {@link LEASE_MS}.
 */
export async function withLeaseLock<T>(
  db: Kysely<Database>,
  key: string,
  fn: (signal: AbortSignal) => Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  const owner = randomUUID()
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  let wait = 2
  while (!(await tryAcquire(db, key, owner))) {
    if (Date.now() >= deadline) {
      throw new StoreError('ERR_STORE_LOCK_TIMEOUT', `timed out waiting for lock "${key}"`)
    }
    await sleep(Math.min(wait, Math.max(1, deadline - Date.now())))
    wait = Math.min(wait * 2, 50)
  }

  const lost = new AbortController()
  const renewal = setInterval(() => {
    renew(db, key, owner).then(
      (held) => {
        if (!held) lost.abort(new StoreError('ERR_STORE_LOCK_LOST', `lost lock "${key}"`))
      },
      (error: unknown) => {
        lost.abort(new StoreError('ERR_STORE_LOCK_LOST', `lost lock "${key}"`, { cause: error }))
      },
    )
  }, RENEW_EVERY_MS)
  renewal.unref()
  try {
    return await fn(lost.signal)
  } finally {
    clearInterval(renewal)
    await db.deleteFrom('lock_leases').where('key', '=', key).where('owner', '=', owner).execute()
  }
}

async function tryAcquire(db: Kysely<Database>, key: string, owner: string): Promise<boolean> {
  const now = Date.now()
  const taken = await db
    .insertInto('lock_leases')
    .values({ key, owner, expires_at: now + LEASE_MS })
    .onConflict((conflict) =>
      conflict
        .column('key')
        .doUpdateSet({ owner, expires_at: now + LEASE_MS })
        .where('lock_leases.expires_at', '<=', now),
    )
    .returning('owner')
    .executeTakeFirst()
  return taken !== undefined
}

async function renew(db: Kysely<Database>, key: string, owner: string): Promise<boolean> {
  const result = await db
    .updateTable('lock_leases')
    .set({ expires_at: Date.now() + LEASE_MS })
    .where('key', '=', key)
    .where('owner', '=', owner)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}
