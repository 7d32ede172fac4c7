import { CompiledQuery } from 'kysely'
import type { Compilable, Kysely, QueryResult } from 'kysely'
import type { Database } from '@mandate/store'

/**
 * A query built and compiled once, then executed with fresh parameter values. Kysely builds
 * an operation tree and compiles it to SQL on every call, which was a measurable share of the
 * token endpoint's CPU (docs/performance.md); the hot queries of the adapter do not change
 * shape, only values. `build` is called once with unique placeholder strings standing in for
 * the parameters; each execution swaps them for the real values. Values must therefore be
 * passed through as bound parameters (no arithmetic on them inside `build`).
 */
export function precompiled<Row, Params extends readonly unknown[]>(
  db: Kysely<Database>,
  arity: Params['length'],
  build: (...params: Params) => Compilable<Row>,
): (...params: Params) => Promise<QueryResult<Row>> {
  const placeholders = Array.from(
    { length: arity },
    (_, i) => `\u0000mandate-param-${String(i)}\u0000`,
  )
  let compiled: CompiledQuery<Row> | undefined
  return (...params) => {
    // The placeholders are strings whatever the parameters' types: they are only bound
    // values in the compiled SQL and never reach the database.
    compiled ??= build(...(placeholders as unknown as Params)).compile()
    const parameters = compiled.parameters.map((value) => {
      const index = typeof value === 'string' ? placeholders.indexOf(value) : -1
      return index < 0 ? value : params[index]
    })
    return db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters))
  }
}
