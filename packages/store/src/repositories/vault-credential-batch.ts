import { CompiledQuery } from 'kysely'
import { PREPARED_MARKER } from '../postgres/prepared-statements.ts'
import type { Store } from '../store.ts'
import type { VaultCredentialRow } from './vault-credentials.ts'

/** One waiting lookup: the user's default account (`account` null) or a named one. */
interface Lookup {
  sub: string
  provider: string
  account: string | null
  resolve: (row: VaultCredentialRow | undefined) => void
  reject: (error: unknown) => void
}

/** Finds one user's credential at a provider: the named account, or the default one (null). */
type FindCredential = (
  store: Store,
  sub: string,
  provider: string,
  account: string | null,
) => Promise<VaultCredentialRow | undefined>

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
export function batchedCredentialLookup(
  columns: readonly string[],
  findOne: FindCredential,
): FindCredential {
  // The unique (sub, provider, account) constraint and the one-default index give at most one
  // row per lookup.
  const text = `${PREPARED_MARKER}select ${columns.map((column) => `v.${column}`).join(', ')}
from vault_credentials v
join unnest($1::text[], $2::text[], $3::text[]) as k(sub, provider, account)
  on v.sub = k.sub and v.provider = k.provider
  and (v.account = k.account or (k.account is null and v.is_default = 1))`
  const open = new WeakMap<Store, Lookup[]>()
  return (store, sub, provider, account) =>
    new Promise((resolve, reject) => {
      let batch = open.get(store)
      if (batch === undefined) {
        const pending: Lookup[] = []
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

async function runBatch(
  store: Store,
  text: string,
  findOne: FindCredential,
  lookups: Lookup[],
): Promise<void> {
  try {
    const keys = new Map<string, Lookup>()
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
async function one(
  store: Store,
  findOne: FindCredential,
  [lookup]: Lookup[],
): Promise<VaultCredentialRow[]> {
  const row =
    lookup === undefined
      ? undefined
      : await findOne(store, lookup.sub, lookup.provider, lookup.account)
  return row === undefined ? [] : [row]
}

async function many(store: Store, text: string, lookups: Lookup[]): Promise<VaultCredentialRow[]> {
  const { rows } = await store.db.executeQuery<VaultCredentialRow>(
    CompiledQuery.raw(text, [
      lookups.map((lookup) => lookup.sub),
      lookups.map((lookup) => lookup.provider),
      lookups.map((lookup) => lookup.account),
    ]),
  )
  return rows
}

/** The statement's join condition, checked again on each row before it is handed out. */
function matches(row: VaultCredentialRow, lookup: Lookup): boolean {
  return (
    row.sub === lookup.sub &&
    row.provider === lookup.provider &&
    (lookup.account === null ? row.is_default === 1 : row.account === lookup.account)
  )
}
