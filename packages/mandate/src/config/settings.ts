/**
 * Every setting that can come from the environment or a flag, with its configuration path.
 * This table, the schema in `schema.ts` and docs/configuration.md are kept in step by a test.
 */
export interface Setting {
  /** Dotted path in the configuration object, e.g. `server.port`. */
  path: string
  env: `MANDATE_${string}`
  flag: string
  kind: 'string' | 'integer' | 'boolean'
  /** Masked by `mandate config check` and in logs. */
  secret?: boolean
}

export const SETTINGS: readonly Setting[] = [
  { path: 'dataDir', env: 'MANDATE_DATA_DIR', flag: 'data-dir', kind: 'string' },
  { path: 'server.host', env: 'MANDATE_HOST', flag: 'host', kind: 'string' },
  { path: 'server.port', env: 'MANDATE_PORT', flag: 'port', kind: 'integer' },
  { path: 'server.publicUrl', env: 'MANDATE_PUBLIC_URL', flag: 'public-url', kind: 'string' },
  {
    path: 'server.shutdownTimeoutMs',
    env: 'MANDATE_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    kind: 'integer',
  },
  { path: 'database.url', env: 'MANDATE_DATABASE', flag: 'database', kind: 'string', secret: true },
  {
    path: 'database.schema',
    env: 'MANDATE_DATABASE_SCHEMA',
    flag: 'database-schema',
    kind: 'string',
  },
  { path: 'keys.file', env: 'MANDATE_KEY_FILE', flag: 'key-file', kind: 'string' },
  { path: 'log.level', env: 'MANDATE_LOG_LEVEL', flag: 'log-level', kind: 'string' },
  { path: 'demo.enabled', env: 'MANDATE_DEMO', flag: 'demo', kind: 'boolean' },
]

/** Variables with the MANDATE_ prefix that are not settings but are known (never rejected). */
export const OTHER_VARIABLES: readonly string[] = [
  'MANDATE_CONFIG', // path of the configuration file
  'MANDATE_MASTER_KEY', // key ring from the environment instead of the key file
  'MANDATE_NODE_CACHE', // scripts/node24 cache directory
]
export const OTHER_VARIABLE_PREFIXES: readonly string[] = ['MANDATE_TEST_']
