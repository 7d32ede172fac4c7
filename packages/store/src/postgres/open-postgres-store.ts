import { Kysely } from 'kysely'
import pg from 'pg'
import { silentLogger } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { StoreError } from '../errors.ts'
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
import { withAdvisoryLock } from './advisory-lock.ts'
import { describeUrl } from './describe-url.ts'
import {
  MAX_PAYLOAD_BYTES,
  NotificationListener,
  quoteIdentifier,
} from './notification-listener.ts'
import { usePreparedStatements } from './prepared-statements.ts'
import { SchemaScopedPostgresDialect } from './schema-introspector.ts'

/** Connection, schema and pool settings of the PostgreSQL backend. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string
  /** Schema for every table (created if missing). Default `public`. Tests use one per run. */
  schema?: string
  /** Connections for queries. Default 10. */
  poolSize?: number
  /**
   * Run the hot read queries as named prepared statements (parsed and planned once per
   * connection). Default true; set false behind a pooler that cannot carry them (PgBouncer in
   * transaction mode before 1.21).
   */
  preparedStatements?: boolean
  /** Connections reserved for `withLock` holders and waiters. Default 10. */
  lockPoolSize?: number
  /** How long to wait for a connection to open. Default 5 s. */
  connectTimeoutMs?: number
  logger?: Logger
}

// int8 (bigint) columns hold millisecond timestamps, well inside Number's exact range. A
// per-connection type override, so the process-wide pg defaults stay untouched.
const INT8_OID = 20
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(
          oid,
          format,
        )) as pg.CustomTypesConfig['getTypeParser'],
}

/** Opens the scale-out backend. Every instance that shares the database shares the primitives. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'public'
  const logger = options.logger ?? silentLogger
  const connection: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    options: `-c search_path=${quoteIdentifier(schema)}`,
    types,
  }
  await ensureSchema(connection, schema, options.url)

  const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 10 })
  const lockPool = new pg.Pool({ ...connection, max: options.lockPoolSize ?? 10 })
  if (options.preparedStatements !== false) pool.on('connect', usePreparedStatements)
  // Idle pooled clients may see the server go away; the pool replaces them on next use.
  pool.on('error', (error) => {
    logger.warn('idle database connection failed', { error })
  })
  lockPool.on('error', (error) => {
    logger.warn('idle lock connection failed', { error })
  })
  const channel = `mandate:${schema}`
  const listener = new NotificationListener(connection, channel, logger)
  try {
    await listener.start()
  } catch (error) {
    await Promise.allSettled([pool.end(), lockPool.end()])
    throw unreachable(options.url, error)
  }
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) })
  const purge = schedulePurge(db)
  let closed = false

  return {
    kind: 'postgres',
    db,
    withLock: (key, fn, lockOptions) => withAdvisoryLock(lockPool, schema, key, fn, lockOptions),
    publish: async (name, message) => {
      const payload = JSON.stringify({ c: name, m: message })
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
        throw new RangeError(`message on "${name}" exceeds ${String(MAX_PAYLOAD_BYTES)} bytes`)
      }
      await pool.query('select pg_notify($1, $2)', [channel, payload])
    },
    subscribe: (name, handler) => listener.subscribe(name, handler),
    onResubscribe: (handler) => listener.onResubscribe(handler),
    setIfAbsent: (key, ttlMs) => setIfAbsent(db, key, ttlMs),
    migrate: () => migrateToLatest(db, schema),
    pendingMigrations: () => pendingMigrations(db, schema),
    ping: () => ping(db),
    close: async () => {
      if (closed) return
      closed = true
      clearInterval(purge)
      await listener.close()
      await Promise.allSettled([db.destroy(), lockPool.end()])
    },
  }
}

async function ensureSchema(config: pg.ClientConfig, schema: string, url: string): Promise<void> {
  const client = new pg.Client(config)
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query(`create schema if not exists ${quoteIdentifier(schema)}`)
  } catch (error) {
    throw unreachable(url, error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** The error for a database that cannot be reached; names the server, never the password. */
function unreachable(url: string, error: unknown): StoreError {
  return new StoreError(
    'ERR_STORE_UNREACHABLE',
    `cannot connect to PostgreSQL at ${describeUrl(url)}: ${errorMessage(error) || errorCode(error)}`,
    { cause: error },
  )
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : 'connection failed'
}
