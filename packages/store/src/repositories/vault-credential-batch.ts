import { CompiledQuery } from 'kysely'
import { PREPARED_MARKER } from '../postgres/prepared-statements.ts'
import type { Store } from '../store.ts'

/** What a lookup's row is matched on (a `VaultCredentialRow`, typed by shape: no import cycle). */
interface KeyedRow {
  sub: string
  provider: string
  account: string
  is_default: number
}

/** One waiting lookup: the user's default account (`account` null) or a named one. */
interface Lookup<Row extends KeyedRow> {
  sub: string
  provider: string
  account: string | null
  resolve: (row: Row | undefined) => void
  reject: (error: unknown) => void
}

/** Finds one user's credential at a provider: the named account, or the default one (null). */
type FindCredential<Row extends KeyedRow> = (
  store: Store,
  sub: string,
  provider: string,
  account: string | null,
) => Promise<Row | undefined>

/** Larger turns are split, so that one statement's arrays and result stay bounded. */
const MAX_BATCH = 64

/**
 * Looks credentials up on PostgreSQL together with the other lookups made in the same
 * event-loop turn: one statement and one round trip for all of them instead of one each (the
 * loopback write and the backend's per-statement work were most of a read's cost,
 * docs/performance.md). Every caller still gets the row as stored when its query ran, nothing is
 * cached; each row is handed only to the lookups whose `sub`, `provider` and account it carries
 * (catalogue #200). `columns` must be explicit (a prepared statement breaks on a later column).
 */
export function batchedCredentialLookup<Row extends KeyedRow>(
  columns: readonly string[],
  findOne: FindCredential<Row>,
): FindCredential<Row> {
  // The unique (sub, provider, account) constraint and the one-default index give at most one
  // row per lookup.
  const text = `${PREPARED_MARKER}select ${columns.map((column) => `v.${column}`).join(', ')}
from vault_credentials v
join unnest($1::text[], $2::text[], $3::text[]) as k(sub, provider, account)
  on v.sub = k.sub and v.provider = k.provider
  and (v.account = k.account or (k.account is null and v.is_default = 1))`
  const open = new WeakMap<Store, Lookup<Row>[]>()
  return (store, sub, provider, account) =>
    new Promise((resolve, reject) => {
      let batch = open.get(store)
      if (batch === undefined) {
        const pending: Lookup<Row>[] = []
        batch = pending
        open.set(store, pending)
        setImmediate(() => {
          open.delete(store)
          for (let start = 0; start < pending.length; start += MAX_BATCH) {
            void runBatch(store, text, findOne, pending.slice(start, start + MAX_BATCH))
          }
        })
      }
      batch.push({ sub, provider, account, resolve, reject })
    })
}

async function runBatch<Row extends KeyedRow>(
  store: Store,
  text: string,
  findOne: FindCredential<Row>,
  lookups: Lookup<Row>[],
): Promise<void> {
  try {
    const keys = new Map<string, Lookup<Row>>()
    for (const lookup of lookups) {
      keys.set(JSON.stringify([lookup.sub, lookup.provider, lookup.account]), lookup)
    }
    const distinct = [...keys.values()]
    const rows =
      distinct.length === 1
        ? await one(store, findOne, distinct)
        : await many(store, text, distinct)
    for (const lookup of lookups) lookup.resolve(rows.find((row) => matches(row, lookup)))
  } catch (error) {
    for (const lookup of lookups) lookup.reject(error)
  }
}

// A lone lookup, the usual case at low load, keeps the plain prepared query: on a large table
// PostgreSQL re-plans the array statement for every small array (its generic plan assumes ten
// elements, so it looks dearer than a custom plan for one), about 0.1-0.2 ms of backend CPU.
async function one<Row extends KeyedRow>(
  store: Store,
  findOne: FindCredential<Row>,
  [lookup]: Lookup<Row>[],
): Promise<Row[]> {
  const row =
    lookup === undefined
      ? undefined
      : await findOne(store, lookup.sub, lookup.provider, lookup.account)
  return row === undefined ? [] : [row]
}

async function many<Row extends KeyedRow>(
  store: Store,
  text: string,
  lookups: Lookup<Row>[],
): Promise<Row[]> {
  const { rows } = await store.db.executeQuery<Row>(
    CompiledQuery.raw(text, [
      lookups.map((lookup) => lookup.sub),
      lookups.map((lookup) => lookup.provider),
      lookups.map((lookup) => lookup.account),
    ]),
  )
  return rows
}

/** The statement's join condition, checked again on each row before it is handed out. */
function matches<Row extends KeyedRow>(row: Row, lookup: Lookup<Row>): boolean {
  return (
    row.sub === lookup.sub &&
    row.provider === lookup.provider &&
    (lookup.account === null ? row.is_default === 1 : row.account === lookup.account)
  )
}
