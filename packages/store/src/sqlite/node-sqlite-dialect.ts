import type { DatabaseSync, SQLInputValue } from 'node:sqlite'
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

function adaptDatabase(database: DatabaseSync): SqliteDatabase {
  return {
    close: () => {
      database.close()
    },
    prepare: (sql: string): SqliteStatement => {
      const statement = database.prepare(sql)
      const params = (parameters: readonly unknown[]) => parameters.map(toSqliteValue)
      return {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all(...params(parameters)),
        run: (parameters) => statement.run(...params(parameters)),
        iterate: (parameters) => statement.iterate(...params(parameters)),
      }
    },
  }
}

function toSqliteValue(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof Date) return value.getTime()
  return value as SQLInputValue
}
