// PostgreSQL for tests: the server on 127.0.0.1:5432 (trust auth, database `test`), one fresh
// schema per test file. Under CI the tests must run; elsewhere they skip with a warning when
// the server is not there.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const POSTGRES_TEST_URL =
  process.env['MANDATE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

let reachable: Promise<boolean> | undefined

/** Resolves to a skip reason (string) or false when PostgreSQL tests should run. */
export async function postgresSkipReason(): Promise<string | false> {
  reachable ??= probe()
  if (await reachable) return false
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') {
    throw new Error(`PostgreSQL is required under CI and is not reachable at ${POSTGRES_TEST_URL}`)
  }
  const reason = `PostgreSQL not reachable at ${POSTGRES_TEST_URL}; skipping PostgreSQL tests`
  process.emitWarning(reason)
  return reason
}

/** A fresh, unique schema name; drop it with {@link dropSchema}. */
export function freshSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

async function probe(): Promise<boolean> {
  const client = new pg.Client({
    connectionString: POSTGRES_TEST_URL,
    connectionTimeoutMillis: 2_000,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}
