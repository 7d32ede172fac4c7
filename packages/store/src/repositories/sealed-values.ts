import { sql } from 'kysely'
import type { RawBuilder } from 'kysely'
import type { Store } from '../store.ts'

/** What a value sealed with `@mandate/vault`'s `sealValue` protects; part of its AAD. */
export type SealedValuePurpose = 'as_signing_key' | 'as_totp_secret' | 'installation_secret'

/** One sealed value and the id of the row holding it. */
export interface SealedValueRow {
  purpose: SealedValuePurpose
  id: string
  value: string
}

// Every column that holds a sealed value outside the vault's own tables: key rotation finds,
// re-wraps and counts them here, so a new sealed column must be listed here too. In
// `mandate_meta`, a value in a sealed format is an installation secret named by its row.
const SOURCES: Record<SealedValuePurpose, { table: string; id: string; column: string }> = {
  as_signing_key: { table: 'as_signing_keys', id: 'kid', column: 'private_jwk' },
  as_totp_secret: { table: 'as_users', id: 'id', column: 'totp_secret' },
  installation_secret: { table: 'mandate_meta', id: 'name', column: 'value' },
}

/** Every kind of sealed value outside the vault, for key rotation and its reports. */
export const SEALED_VALUE_PURPOSES = Object.keys(SOURCES) as SealedValuePurpose[]

// The envelope (`mv1.<version>.…`), the authorization server's former format
// (`sealed.v1.<version>.…`) and values an older version kept in clear (`plain.…`).
const ANY_FORMAT = ['mv1.%', 'sealed.v1.%', 'plain.%']

/**
 * Sealed values of one purpose not yet in the envelope under `keyVersion`, by id after
 * `afterId`, at most `limit`: the work of the re-wrap job.
 */
export async function listSealedValuesToRewrap(
  store: Store,
  purpose: SealedValuePurpose,
  keyVersion: number,
  afterId: string,
  limit: number,
): Promise<SealedValueRow[]> {
  const { table, id, column } = SOURCES[purpose]
  const value = sql.ref(column)
  const { rows } = await sql<{ id: string; value: string }>`
    select ${sql.ref(id)} as id, ${value} as value from ${sql.table(table)}
    where ${anyOf(value, ANY_FORMAT)} and ${value} not like ${`mv1.${String(keyVersion)}.%`}
      and ${sql.ref(id)} > ${afterId}
    order by ${sql.ref(id)} limit ${limit}`.execute(store.db)
  return rows.map((row) => ({ purpose, id: row.id, value: row.value }))
}

/** Compare-and-swap: replaces a sealed value only if it is still `previous`. */
export async function replaceSealedValue(
  store: Store,
  purpose: SealedValuePurpose,
  id: string,
  previous: string,
  next: string,
): Promise<boolean> {
  const { table, id: idColumn, column } = SOURCES[purpose]
  const result = await sql`
    update ${sql.table(table)} set ${sql.ref(column)} = ${next}
    where ${sql.ref(idColumn)} = ${id} and ${sql.ref(column)} = ${previous}`.execute(store.db)
  return (result.numAffectedRows ?? 0n) > 0n
}

/** How many sealed values (envelope or former format) key version `keyVersion` protects. */
export async function countSealedValuesWithKeyVersion(
  store: Store,
  keyVersion: number,
): Promise<number> {
  const patterns = [`mv1.${String(keyVersion)}.%`, `sealed.v1.${String(keyVersion)}.%`]
  let total = 0
  for (const { table, column } of Object.values(SOURCES)) {
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table)}
      where ${anyOf(sql.ref(column), patterns)}`.execute(store.db)
    total += Number(rows[0]?.n ?? 0)
  }
  return total + (await countPendingLinkTransactions(store, keyVersion))
}

/**
 * Account links in progress whose provider transaction (JSON holding a vault envelope) is
 * sealed under `keyVersion`. They live at most as long as the link (minutes) and cannot be
 * re-wrapped without the person, so retiring waits for them to finish or expire.
 */
async function countPendingLinkTransactions(store: Store, keyVersion: number): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from server_pending_links
    where ${sql.ref('transaction')} like ${`%"sealed":"mv1.${String(keyVersion)}.%`}
      and expires_at > ${Date.now()}`.execute(store.db)
  return Number(rows[0]?.n ?? 0)
}

function anyOf(value: RawBuilder<unknown>, patterns: string[]): RawBuilder<unknown> {
  return sql`(${sql.join(
    patterns.map((pattern) => sql`${value} like ${pattern}`),
    sql` or `,
  )})`
}
