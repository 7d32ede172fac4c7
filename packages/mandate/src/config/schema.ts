import * as z from 'zod'
import { LOG_LEVELS } from '@mandate/core'
import { authorizationServerSection } from './sections/authorization-server.ts'
import { providersSection } from './sections/providers.ts'
import { auditSection } from './sections/audit.ts'
import { metricsSection } from './sections/metrics.ts'
import { gatewaySection } from './sections/gateway.ts'
import { revocationSection } from './sections/revocation.ts'

/**
 * The configuration schema: the one place every option is defined, with its default.
 * Unknown keys are rejected at every level. Documented in docs/configuration.md.
 */
export const configSchema = z.strictObject({
  /** Where the SQLite database and the key file live. */
  dataDir: z.string().min(1).default('./.mandate'),
  server: z
    .strictObject({
      /** Interface to bind. Loopback by default. */
      host: z.string().min(1).default('127.0.0.1'),
      /** TCP port; 0 picks a free one. */
      port: z.int().min(0).max(65_535).default(8080),
      /** The URL clients use to reach this server; the issuer. Default: http://host:port. */
      publicUrl: z.url({ protocol: /^https?$/ }).optional(),
      /** How long shutdown waits for requests in flight before closing connections. */
      shutdownTimeoutMs: z.int().min(0).max(600_000).default(10_000),
    })
    .prefault({}),
  database: z
    .strictObject({
      /** A PostgreSQL URL (postgres://…); absent means SQLite in the data directory. */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
      /** PostgreSQL schema for Mandate's tables (created if missing). */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
        .default('public'),
    })
    .prefault({}),
  keys: z
    .strictObject({
      /** The master key file. Default: <dataDir>/master.key. MANDATE_MASTER_KEY overrides it. */
      file: z.string().min(1).optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'),
    })
    .prefault({}),
  /** The demo: the notes MCP server at /mcp and a local "Demo Calendar" provider. */
  demo: z
    .strictObject({
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  authorizationServer: authorizationServerSection,
  /** Third-party providers for account linking (presets, generic OAuth 2.0/OIDC, API keys). */
  providers: providersSection,
  /** The audit trail: stored, hash-chained, fail-closed (docs/audit.md). */
  audit: auditSection,
  /** Prometheus metrics on a separate listener (docs/audit.md). */
  metrics: metricsSection,
  /** The MCP gateway in front of existing MCP servers (docs/gateway.md). */
  gateway: gatewaySection,
  /** How the mounted MCP servers follow revocations (docs/revocation.md). */
  revocation: revocationSection,
})

/** The validated configuration, every default filled in (docs/configuration.md). */
export type MandateConfig = z.output<typeof configSchema>
/** The configuration as written in a file: every key optional. */
export type MandateConfigInput = z.input<typeof configSchema>
