import { isAbsolute, join, resolve } from 'node:path'
import { createLogger } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { describeUrl, openStore } from '@mandate/store'
import type { MigrationReport, OpenStoreOptions, Store } from '@mandate/store'
import {
  environmentKeyProvider,
  keyFileProvider,
  keyRingWrapper,
  verifyKeyRing,
} from '@mandate/vault'
import type { KeyProvider, KeyRing, KeyWrapper } from '@mandate/vault'
import type { MandateConfig } from '../config/schema.ts'

/** What every command that touches data needs: resolved paths, logger, store and keys. */
export interface Runtime {
  config: MandateConfig
  logger: Logger
  store: Store
  keyRing: KeyRing
  /** The key ring as a key wrapper, for short-lived commands that seal values (`sealValue`). */
  keys: KeyWrapper
  keyProvider: KeyProvider
  /** The key file, unless the key ring comes from MANDATE_MASTER_KEY. */
  keyFile: string | undefined
  /** What opening did to the schema (migrations run at every start). */
  migrations: MigrationReport
  /** Human description of the database, without credentials, e.g. `SQLite .mandate/mandate.db`. */
  databaseDescription: string
  close(): Promise<void>
}

/** The process environment (the key ring may come from `MANDATE_MASTER_KEY`) and a logger. */
export interface OpenRuntimeOptions {
  env: Readonly<Record<string, string | undefined>>
  logger?: Logger
}

/**
 * Opens the data directory: the key ring first (so a bad key file fails before any database
 * work), then the store, then checks that the keys belong to this database (fail closed).
 *
 * @example
 * ```ts
 * const runtime = await openRuntime(loadConfig({ env: process.env, flags: {} }).config, {
 *   env: process.env,
 * })
 * const server = await startServer(runtime)
 * ```
 */
export async function openRuntime(
  config: MandateConfig,
  options: OpenRuntimeOptions,
): Promise<Runtime> {
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const dataDir = resolve(config.dataDir)
  const keyFile =
    options.env['MANDATE_MASTER_KEY'] !== undefined
      ? undefined
      : resolvePath(dataDir, config.keys.file ?? 'master.key')
  const keyProvider =
    keyFile === undefined
      ? environmentKeyProvider('MANDATE_MASTER_KEY', options.env['MANDATE_MASTER_KEY'])
      : keyFileProvider(keyFile)
  const keyRing = await keyProvider.load()

  const storeOptions: OpenStoreOptions =
    config.database.url === undefined
      ? { kind: 'sqlite', filename: join(dataDir, 'mandate.db') }
      : { kind: 'postgres', url: config.database.url, schema: config.database.schema, logger }
  const store = await openStore(storeOptions, { migrate: false })
  let migrations: MigrationReport
  try {
    migrations = await store.migrate()
    await verifyKeyRing(store, keyRing)
  } catch (error) {
    await store.close()
    throw error
  }
  return {
    config,
    logger,
    store,
    keyRing,
    keys: { ...keyRingWrapper(keyRing), description: keyProvider.description },
    keyProvider,
    keyFile,
    migrations,
    databaseDescription:
      storeOptions.kind === 'sqlite'
        ? `SQLite ${storeOptions.filename}`
        : `PostgreSQL ${describeUrl(storeOptions.url)}`,
    close: () => store.close(),
  }
}

function resolvePath(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path)
}
