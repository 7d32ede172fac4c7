import { PostgresDialect, sql } from 'kysely'
import type {
  DatabaseIntrospector,
  DatabaseMetadataOptions,
  Kysely,
  PostgresDialectConfig,
  SchemaMetadata,
  TableMetadata,
} from 'kysely'

/**
 * Kysely's PostgreSQL introspector reads the columns of every schema in the database and calls
 * `pg_get_serial_sequence` on each, which raises "schema … does not exist" when another tenant
 * of the database drops its schema meanwhile. The migrator only needs table names, and only in
 * our schema: this introspector reads nothing else.
 */
export class SchemaScopedIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>
  readonly #schema: string

  constructor(db: Kysely<unknown>, schema: string) {
    this.#db = db
    this.#schema = schema
  }

  /** This store's schema, when it exists. */
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`
      select nspname as name from pg_catalog.pg_namespace where nspname = ${this.#schema}
    `.execute(this.#db)
    return rows
  }

  /** Tables and views of this store's schema, by name (columns are not read). */
  async getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; kind: string }>`
      select c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${this.#schema} and c.relkind in ('r', 'p', 'v', 'm', 'f')
    `.execute(this.#db)
    const internal = options?.withInternalKyselyTables === true
    return rows
      .filter((row) => internal || !row.name.startsWith('kysely_'))
      .map((row) => ({
        name: row.name,
        schema: this.#schema,
        isView: row.kind === 'v' || row.kind === 'm',
        isForeign: row.kind === 'f',
        columns: [],
      }))
  }
}

/** The PostgreSQL dialect with introspection confined to one schema. */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  readonly #schema: string

  constructor(config: PostgresDialectConfig, schema: string) {
    super(config)
    this.#schema = schema
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.#schema)
  }
}
