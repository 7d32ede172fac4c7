import { createHash } from 'node:crypto'
import type pg from 'pg'
import { StoreError } from '../errors.ts'
import type { WithLockOptions } from '../store.ts'

const LOCK_NOT_AVAILABLE = '55P03'

/**
 * Mutual exclusion through a session-level PostgreSQL advisory lock, held on a connection from
 * a pool reserved for locks (so waiters can never starve the holder of connections). If the
 * holder dies, its session ends and PostgreSQL releases the lock.
 */
export async function withAdvisoryLock<T>(
  lockPool: pg.Pool,
  namespace: string,
  key: string,
  fn: (signal: AbortSignal) => Promise<T>,
  options: WithLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  const timeout = () =>
    new StoreError('ERR_STORE_LOCK_TIMEOUT', `timed out waiting for lock "${key}"`)
  const client = await connectBefore(lockPool, deadline).catch((error: unknown) => {
    throw error instanceof StoreError ? error : timeout()
  })
  const lockId = advisoryLockId(namespace, key)
  const lost = new AbortController()
  let broken = false
  const onError = (error: Error) => {
    broken = true
    lost.abort(new StoreError('ERR_STORE_LOCK_LOST', `lost lock "${key}"`, { cause: error }))
  }
  client.on('error', onError)
  try {
    const remaining = deadline - Date.now()
    if (remaining <= 0) throw timeout()
    // lock_timeout bounds the wait inside PostgreSQL itself (it applies to advisory locks).
    await client.query(`set lock_timeout = ${String(Math.ceil(remaining))}`)
    try {
      await client.query('select pg_advisory_lock($1::bigint)', [lockId])
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw timeout()
      throw error
    }
    try {
      return await fn(lost.signal)
    } finally {
      await client.query('select pg_advisory_unlock($1::bigint)', [lockId]).catch(() => {
        broken = true
      })
    }
  } finally {
    client.off('error', onError)
    // A connection in an unknown state is destroyed: its session, and any lock, ends with it.
    client.release(broken)
  }
}

/** 64-bit signed lock id from the namespace and key. */
export function advisoryLockId(namespace: string, key: string): string {
  return createHash('sha256').update(`${namespace}\0${key}`).digest().readBigInt64BE(0).toString()
}

async function connectBefore(pool: pg.Pool, deadline: number): Promise<pg.PoolClient> {
  let timer: NodeJS.Timeout | undefined
  const pending = pool.connect()
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        reject(new Error('pool timeout'))
      },
      Math.max(0, deadline - Date.now()),
    )
  })
  try {
    return await Promise.race([pending, expired])
  } catch (error) {
    // The pool may still hand out the connection later: give it straight back.
    pending.then(
      (client) => {
        client.release()
      },
      () => undefined,
    )
    throw error
  } finally {
    clearTimeout(timer)
  }
}
