import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite'
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  SqliteDatabase,
  SqliteStatement,
} from 'kysely'

/**
 * Kysely's SQLite dialect over the built-in `node:sqlite` module. Kysely expects the
 * better-sqlite3 statement shape (`reader`, array parameters); this adapts `DatabaseSync` to it.
 */
export class NodeSqliteDialect implements Dialect {
  readonly #database: SqliteDatabase

  constructor(database: DatabaseSync) {
    this.#database = adaptDatabase(database)
  }

  createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database })
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter()
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}

// Every transaction takes the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
// later upgrades to a writer fails with SQLITE_BUSY at once, without honouring busy_timeout.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

// Statements are prepared once per distinct SQL text and reused: the queries of a hot path are
// few and fixed, and preparing is a large share of a small query's cost. The adapted statement
// is cached with them: whether it returns rows (`columns()` builds a descriptor per column) is
// asked once, not on every execution.
const STATEMENT_CACHE_SIZE = 256

function adaptDatabase(database: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => {
      cache.clear()
      database.close()
    },
    prepare: (sql: string): SqliteStatement => {
      const cached = cache.get(sql)
      if (cached !== undefined) {
        // Refresh its place: the map's insertion order is the eviction order.
        cache.delete(sql)
        cache.set(sql, cached)
        return cached
      }
      const statement = adaptStatement(database.prepare(sql))
      cache.set(sql, statement)
      if (cache.size > STATEMENT_CACHE_SIZE) {
        const oldest = cache.keys().next()
        if (oldest.done !== true) cache.delete(oldest.value)
      }
      return statement
    },
  }
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...toSqliteValues(parameters)),
    run: (parameters) => statement.run(...toSqliteValues(parameters)),
    iterate: (parameters) => statement.iterate(...toSqliteValues(parameters)),
  }
}

function toSqliteValues(parameters: readonly unknown[]): SQLInputValue[] {
  const values = new Array<SQLInputValue>(parameters.length)
  for (let i = 0; i < parameters.length; i++) values[i] = toSqliteValue(parameters[i])
  return values
}

function toSqliteValue(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Date) return value.getTime()
  return value as SQLInputValue
}
