import { createHash } from 'node:crypto'
import type pg from 'pg'

/**
 * SQL text that starts with this comment runs as a named (server-side prepared) statement on
 * PostgreSQL: parsed and planned once per connection, then only bound and executed. Only the
 * fixed hot queries built by `preparedQuery` carry it, so the statements per connection stay
 * few. Values are still bound parameters; nothing else changes.
 */
export const PREPARED_MARKER = '/* mandate:prepared */ '

const names = new Map<string, string>()

/** Makes a pooled client run marked SQL as named statements (pg's per-connection cache). */
export function usePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown
  client.query = ((...args: unknown[]) => {
    const [text, values] = args
    if (
      args.length !== 2 ||
      typeof text !== 'string' ||
      !text.startsWith(PREPARED_MARKER) ||
      !Array.isArray(values)
    ) {
      return query(...args)
    }
    let name = names.get(text)
    if (name === undefined) {
      // The name is the text's hash, so one name never stands for two different texts.
      name = `mandate_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`
      names.set(text, name)
    }
    return query({ name, text, values })
  }) as typeof client.query
}
