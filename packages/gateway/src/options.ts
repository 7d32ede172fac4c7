import type { AuditSink, Logger } from '@mandate/core'
import type { ProtectOptions } from '@mandate/server'
import type { Linking } from '@mandate/server/linking'
import type { Store } from '@mandate/store'
import type { RiskOptions } from './risk/risk-signal.ts'
import type { ApprovalOptions } from './approval/approval-options.ts'

/** How an upstream MCP server is reached. */
export type UpstreamTransport =
  | {
      type: 'http'
      /** Streamable HTTP endpoint (2025-11-25 and 2026-07-28 servers). */
      url: string
      /** Extra request headers (never a caller's token). */
      headers?: Readonly<Record<string, string>>
    }
  | {
      type: 'stdio'
      /** Spawned once per user and client (or once for all users: `shared`). */
      command: string
      args?: readonly string[]
      /** Extra environment; only a safe default set is inherited from the gateway. */
      env?: Readonly<Record<string, string>>
      cwd?: string
      /**
       * One process for every user (`static` or `none` credentials only: a per-user credential
       * in a shared process would mix users). Default false: a process per user and client.
       */
      shared?: boolean
    }

/** Where a credential goes: an HTTP header (Streamable HTTP) or an environment variable (stdio). */
export interface CredentialInjection {
  /** Header name; default `authorization` for HTTP upstreams. */
  header?: string
  /** Environment variable name; required for stdio upstreams. */
  env?: string
  /** `{token}` is replaced; default `Bearer {token}` for `authorization`, `{token}` otherwise. */
  format?: string
}

/** How an exchanged token is delivered and bound (`exchange` credentials only). */
export interface ExchangeDelivery {
  /**
   * HTTP upstreams: the exchanged token is DPoP-bound (RFC 9449) to a key the gateway holds for
   * this upstream, and every upstream request carries `Authorization: DPoP` and a fresh proof.
   * `'auto'`: bound when the upstream's RFC 9728 metadata asks for or offers DPoP.
   */
  dpop?: boolean | 'auto'
  /**
   * stdio upstreams built with `serveStdioWithHandshake`: the token is the first line of the
   * process's stdin (docs/stdio.md), never in its environment or argv.
   */
  handshake?: boolean
}

/** The credential an upstream gets: never the caller's token. */
export type UpstreamCredential =
  | { kind: 'none' }
  | ({
      kind: 'exchange'
      /** The upstream's resource URI at the authorization server (the exchanged token's `aud`). */
      resource: string
      /** Only these scopes (RFC 8693 §2.1 `scope`); each must be in the caller's token. */
      scopes: readonly string[]
      /** More scopes the gateway may ask for when the upstream answers 403 insufficient_scope. */
      stepUpScopes?: readonly string[]
    } & CredentialInjection &
      ExchangeDelivery)
  | ({
      kind: 'vault'
      /** Provider id in the vault's catalog (the user's linked account). */
      provider: string
      scopes?: readonly string[]
      /** More scopes the user may be asked to re-link with on an upstream 403 insufficient_scope. */
      stepUpScopes?: readonly string[]
    } & CredentialInjection)
  | ({
      kind: 'static'
      /** An operator-provided service credential: no per-user identity upstream (audited). */
      value: string
    } & CredentialInjection)

/** One rule of an upstream's policy; the first rule whose tools and condition match decides. */
export interface PolicyRule {
  /** Upstream tool names (without prefix); `*` matches any run of characters. Default all. */
  tools?: readonly string[]
  /** `approve`: allowed once the user approved this exact call on a Mandate page. */
  action: 'allow' | 'deny' | 'approve'
  /** `approve` rules: the approver's browser sign-in must have used a second factor. */
  mfa?: boolean
  /** Scopes the caller's token must hold (allow rules). */
  scopes?: readonly string[]
  /** Accepted `acr` values (allow rules). */
  acr?: readonly string[]
  /** Maximum age of the sign-in, seconds (allow rules). */
  maxAgeSeconds?: number
  /** A CEL condition (docs/gateway.md); a condition that fails to evaluate denies. */
  when?: string
}

/**
 * One MCP server behind the gateway: how to reach it, the credential it gets per user, and the
 * policy deciding which of its tools, prompts and resources each caller may see and call.
 */
export interface UpstreamOptions {
  /** `[a-z0-9_-]+`, unique; tools are exposed as `<prefix><tool>`. */
  name: string
  /** Default `<name>__`. */
  prefix?: string
  transport: UpstreamTransport
  credential: UpstreamCredential
  /** Evaluated in order; no matching rule denies. */
  policy: readonly PolicyRule[]
}

/** The gateway's confidential client at the authorization server, for RFC 8693 token exchange. */
export interface TokenExchangeClientOptions {
  /** The authorization server's token endpoint. */
  tokenEndpoint: string
  /** The gateway's confidential client (RFC 8693 actor), `client_secret_basic`. */
  clientId: string
  clientSecret: string
  /** How to reach the token endpoint (default: `GatewayOptions.fetch`, then `fetch`). */
  fetch?: typeof fetch
}

/**
 * Options of `createGateway`: the protected front's options (`@mandate/server`), the upstreams,
 * and what their credentials need (token exchange, account linking).
 */
export interface GatewayOptions extends Pick<
  ProtectOptions,
  | 'resource'
  | 'authorizationServers'
  | 'verifier'
  | 'store'
  | 'logger'
  | 'allowedHosts'
  | 'allowedOrigins'
  | 'scopesSupported'
  | 'challengeScopes'
  | 'requiredScopes'
  | 'resourceName'
  | 'dpop'
  | 'serveRootMetadata'
  | 'mcp'
  | 'revocationFeed'
  | 'revocationStaleAfterMs'
> {
  upstreams: readonly UpstreamOptions[]
  /** Needed by `exchange` credentials. */
  tokenExchange?: TokenExchangeClientOptions
  /** Needed by `vault` credentials: reads linked accounts and starts account linking. */
  linking?: Linking
  /** Needed by `approve` policy rules: the approval pages (docs/gateway.md). */
  approval?: ApprovalOptions
  /** Every hop (decision, credential kind, upstream) goes here. */
  audit?: AuditSink
  /** Idle per-user upstream sessions are closed after this long. Default 300000 (5 min). */
  sessionIdleMs?: number
  /** At most this many per-user upstream sessions at once (oldest closed). Default 1000. */
  maxSessions?: number
  /**
   * Scopes `exchange` upstreams demanded (403 insufficient_scope) are remembered per upstream
   * and tool, at most `maxEntries` (default 1000; 0 turns it off) for `ttlMs` after the last
   * demand (default 3600000, 1 h); cleared on every reload (docs/gateway.md).
   */
  learnedScopes?: { maxEntries?: number; ttlMs?: number }
  /**
   * The `risk` policy variable (new client, new network) and where it reads the user's
   * history; without it, conditions on `risk` deny.
   */
  risk?: RiskOptions
  /**
   * The caller's source address, for `risk.new_network` (e.g. the socket's, or the last hop a
   * trusted proxy appended); undefined: `risk` is unset.
   */
  sourceAddress?: (request: Request) => string | undefined
  /** Replaces `fetch` for upstream HTTP and token exchange (tests). */
  fetch?: typeof fetch
  logger?: Logger
  store?: Store
}
