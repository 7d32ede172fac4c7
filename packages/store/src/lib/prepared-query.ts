import { CompiledQuery } from 'kysely'
import type { Compilable, Kysely, QueryResult } from 'kysely'
import { PREPARED_MARKER } from '../postgres/prepared-statements.ts'
import type { Database } from '../schema.ts'

/** Runs a query compiled once per database handle with fresh parameter values. */
type CompiledRunner<Row, Params extends readonly unknown[]> = (
  db: Kysely<Database>,
  ...params: Params
) => Promise<QueryResult<Row>>

/**
 * A hot query built and compiled once per database handle, then executed with fresh values; on
 * PostgreSQL it runs as a named prepared statement (see `PREPARED_MARKER`). `build` gets unique
 * placeholder strings for the parameters, which must reach the SQL as bound values unchanged.
 * Select explicit columns: a prepared `select *` fails once its table gains a column.
 */
export function preparedQuery<Row, Params extends readonly unknown[]>(
  arity: Params['length'],
  build: (db: Kysely<Database>, ...params: Params) => Compilable<Row>,
): CompiledRunner<Row, Params> {
  return compileOnce(arity, build, PREPARED_MARKER)
}

/**
 * A query built and compiled once per database handle, then executed with fresh parameter
 * values, as an ordinary (unnamed) statement. Kysely builds an operation tree and compiles it to
 * SQL on every call, which was a measurable share of the token endpoint's CPU
 * (docs/performance.md); the authorization server's hot queries do not change shape, only
 * values. The same placeholder rule as {@link preparedQuery} applies (no arithmetic on
 * parameters inside `build`).
 */
export function compiledQuery<Row, Params extends readonly unknown[]>(
  arity: Params['length'],
  build: (db: Kysely<Database>, ...params: Params) => Compilable<Row>,
): CompiledRunner<Row, Params> {
  return compileOnce(arity, build, '')
}

function compileOnce<Row, Params extends readonly unknown[]>(
  arity: Params['length'],
  build: (db: Kysely<Database>, ...params: Params) => Compilable<Row>,
  prefix: string,
): CompiledRunner<Row, Params> {
  const placeholders = Array.from(
    { length: arity },
    (_, i) => `\u0000mandate-param-${String(i)}\u0000`,
  )
  // Keyed by the dialect adapter, which a Kysely instance shares with its transactions, so a
  // hot query run inside a transaction (the adapter's group commit) is not compiled again.
  const compiled = new WeakMap<object, PlacedQuery>()
  return (db, ...params) => {
    const key = db.getExecutor().adapter
    let query = compiled.get(key)
    if (query === undefined) {
      // The placeholders are strings whatever the parameters' types: they are only bound
      // values in the compiled SQL and never reach the database.
      const built = build(db, ...(placeholders as unknown as Params)).compile()
      query = {
        sql: `${prefix}${built.sql}`,
        parameters: built.parameters,
        slots: built.parameters.map((value) =>
          typeof value === 'string' ? placeholders.indexOf(value) : -1,
        ),
      }
      compiled.set(key, query)
    }
    const { parameters, slots } = query
    const values = new Array<unknown>(slots.length)
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] ?? -1
      values[i] = slot < 0 ? parameters[i] : params[slot]
    }
    return db.executeQuery<Row>(CompiledQuery.raw(query.sql, values))
  }
}

/** A compiled query and, per bound value, the index of the parameter it takes (-1: constant). */
interface PlacedQuery {
  readonly sql: string
  readonly parameters: readonly unknown[]
  readonly slots: readonly number[]
}
