import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type {
  CreateMcpHandlerOptions,
  McpServer,
  McpServerFactory,
} from '@modelcontextprotocol/server'
import type { McpIdentity } from './identity.ts'
import type { NotificationStreamOptions } from './notifications.ts'
import type { ProtectedTool, ToolRequirement } from './tools.ts'
import type { IntrospectionVerifierOptions } from './verify/create-introspection-verifier.ts'
import type { JwtVerifierOptions } from './verify/create-jwt-verifier.ts'
import type { TokenVerifier } from './verify/verified-token.ts'

/** What the server factory gets for each request. */
export interface ProtectedRequestContext {
  /** `modern` (2026-07-28) or `legacy` (2025-era) protocol. */
  era: 'legacy' | 'modern'
  /** The verified caller. */
  identity: McpIdentity
  /** Whether the caller may call `tool` now (for `tools/list` filtering). */
  allows(tool: string): boolean
  /** Registers, among `tools`, those this caller may see (all, or only callable ones). */
  registerTools(server: McpServer, tools: readonly ProtectedTool[]): void
}

/** Returns what an SDK `createMcpHandler` factory returns (usually a fresh `McpServer`). */
export type ServerFactory = (ctx: ProtectedRequestContext) => ReturnType<McpServerFactory>

export interface DpopOptions {
  /** Refuse tokens that are not DPoP-bound (RFC 9449 §7.1). Default false. */
  required?: boolean
  /** Proof algorithms (asymmetric). */
  algorithms?: string[]
  /** Proof `iat` max age, seconds. Default 60. */
  maxAgeSeconds?: number
  /** Clock skew for proofs, seconds. Default 10. */
  clockToleranceSeconds?: number
  /**
   * Require server nonces (RFC 9449 §9). `true` uses a per-process secret; give `secret` (≥ 32
   * bytes) so that several instances accept each other's nonces.
   */
  nonce?: boolean | { secret: Uint8Array; periodSeconds?: number }
}

export interface ProtectOptions {
  /**
   * The canonical URI of the MCP endpoint, as clients address it and as the AS puts it in `aud`
   * (RFC 8707), e.g. `https://notes.example.com/mcp`. HTTPS unless loopback.
   */
  resource: string
  /** Issuer identifiers advertised in the RFC 9728 metadata. */
  authorizationServers: string[]
  /** How tokens are verified: JWT via JWKS, RFC 7662 introspection, or your own verifier. */
  verifier:
    | { jwt: Omit<JwtVerifierOptions, 'resource'> }
    | { introspection: Omit<IntrospectionVerifierOptions, 'resource' | 'revocations'> }
    | TokenVerifier
  /** Builds the MCP server for one request (SDK v2 `createMcpHandler` factory). */
  factory: ServerFactory
  /** Per-tool requirements, as definitions or a map by tool name. */
  tools?: readonly ProtectedTool[] | Readonly<Record<string, ToolRequirement>>
  /** Scopes every request needs (403 `insufficient_scope` otherwise). */
  requiredScopes?: string[]
  /** `scope` in a bare 401 challenge. Default `requiredScopes`. */
  challengeScopes?: string[]
  /** `scopes_supported` in the metadata. */
  scopesSupported?: string[]
  /** `callable` (default): `tools/list` shows only what the caller may call now; `all`. */
  toolsList?: 'callable' | 'all'
  /** DPoP (RFC 9449). Bound tokens are always checked; this configures proofs and policy. */
  dpop?: DpopOptions
  /** Cross-instance state: DPoP replay (`setIfAbsent`) and revocation events (pub/sub). */
  store?: Pick<Store, 'setIfAbsent' | 'subscribe' | 'onResubscribe'>
  /** Browser origins allowed to call (exact `scheme://host[:port]`). Default: the resource's. */
  allowedOrigins?: string[]
  /** `Host` values accepted (DNS rebinding). Default: the resource's host (and loopback aliases). */
  allowedHosts?: string[]
  /** Largest request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number
  resourceName?: string
  resourceDocumentation?: string
  /** Also serve the metadata at `/.well-known/oauth-protected-resource`. Default true. */
  serveRootMetadata?: boolean
  /** Passed to the SDK's `createMcpHandler`. */
  mcp?: Pick<CreateMcpHandlerOptions, 'responseMode' | 'legacy' | 'keepAliveMs' | 'bus'>
  logger?: Logger
  /**
   * Called with the caller's identity and declared capabilities when a client sends
   * `initialize` (MCP 2025-11-25), so that per-user state such as URL-elicitation support
   * survives stateless serving. Failures are logged, never fail the request.
   */
  onClientInitialize?: (identity: McpIdentity, capabilities: unknown) => void | Promise<void>
  /**
   * Serve the MCP 2025-11-25 standalone SSE stream (`GET`) with the caller's notifications, e.g.
   * `linking.notifications` for `notifications/elicitation/complete`. Without it, `GET` is 405.
   */
  notifications?: NotificationStreamOptions
  /**
   * No authentication at all, for protocol conformance runs. Refused unless the resource is on
   * loopback. Every request runs as the `anonymous` user with every supported scope.
   */
  unauthenticatedTestMode?: boolean
}
