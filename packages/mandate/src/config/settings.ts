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
  /** One line for `--help`: what the setting does (docs/configuration.md says the rest). */
  description: string
  /** Masked by `mandate config check` and in logs. */
  secret?: boolean
}

/** Every setting that has a flag and a `MANDATE_*` variable, with its path in the configuration. */
export const SETTINGS: readonly Setting[] = [
  {
    path: 'dataDir',
    env: 'MANDATE_DATA_DIR',
    flag: 'data-dir',
    kind: 'string',
    description: 'directory for the SQLite database and key file (default ./.mandate)',
  },
  {
    path: 'server.host',
    env: 'MANDATE_HOST',
    flag: 'host',
    kind: 'string',
    description: 'address to listen on (default 127.0.0.1)',
  },
  {
    path: 'server.port',
    env: 'MANDATE_PORT',
    flag: 'port',
    kind: 'integer',
    description: 'port to listen on; 0 picks a free one (default 8080)',
  },
  {
    path: 'server.publicUrl',
    env: 'MANDATE_PUBLIC_URL',
    flag: 'public-url',
    kind: 'string',
    description: 'origin clients reach; the issuer (https unless loopback)',
  },
  {
    path: 'server.shutdownTimeoutMs',
    env: 'MANDATE_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    kind: 'integer',
    description: 'how long requests in flight may finish on stop',
  },
  {
    path: 'database.url',
    env: 'MANDATE_DATABASE',
    flag: 'database',
    kind: 'string',
    secret: true,
    description: 'postgres:// URL for PostgreSQL (default: SQLite in the data directory)',
  },
  {
    path: 'database.schema',
    env: 'MANDATE_DATABASE_SCHEMA',
    flag: 'database-schema',
    kind: 'string',
    description: 'PostgreSQL schema to use (default public)',
  },
  {
    path: 'keys.file',
    env: 'MANDATE_KEY_FILE',
    flag: 'key-file',
    kind: 'string',
    description: 'master key file, mode 0600 (default <data-dir>/master.key)',
  },
  {
    path: 'log.level',
    env: 'MANDATE_LOG_LEVEL',
    flag: 'log-level',
    kind: 'string',
    description: 'debug, info, warn, error or silent (default info)',
  },
  {
    path: 'demo.enabled',
    env: 'MANDATE_DEMO',
    flag: 'demo',
    kind: 'boolean',
    description: 'mount the demo notes server and Demo Calendar (true or false)',
  },
]

/** Variables with the MANDATE_ prefix that are not settings but are known (never rejected). */
export const OTHER_VARIABLES: readonly string[] = [
  'MANDATE_CONFIG', // path of the configuration file
  'MANDATE_MASTER_KEY', // key ring from the environment instead of the key file
  'MANDATE_NODE_CACHE', // scripts/node24 cache directory
]
/** Prefixes of known `MANDATE_*` variables that are not settings (tests), never rejected. */
export const OTHER_VARIABLE_PREFIXES: readonly string[] = ['MANDATE_TEST_']
