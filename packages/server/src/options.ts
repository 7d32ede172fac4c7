import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import type {
  CreateMcpHandlerOptions,
  McpServer,
  McpServerFactory,
} from '@modelcontextprotocol/server'
import type { McpAuditOptions } from './audit/mcp-audit.ts'
import type { McpIdentity } from './identity.ts'
import type { NotificationStreamOptions } from './notifications.ts'
import type { ProtectedTool, ToolRequirement } from './tools.ts'
import type { IntrospectionVerifierOptions } from './verify/create-introspection-verifier.ts'
import type { JwtVerifierOptions } from './verify/create-jwt-verifier.ts'
import type { RevocationFeed } from './verify/revocation-feed.ts'
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

/** DPoP (RFC 9449) policy of a protected endpoint; every default is in `PROTECT_DEFAULTS`. */
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

/**
 * How {@link createProtectedMcpHandler} protects one MCP endpoint (docs/server.md "Options").
 * Resolved once, with every default, by `resolveProtectConfig`.
 */
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
  /**
   * More scopes a tool needs, known only at run time (the gateway's scopes learned from an
   * upstream's 403, docs/gateway.md): read on every check and added to the tool's requirement,
   * so a caller without them gets the same 403 `insufficient_scope` challenge. They only add.
   */
  extraToolScopes?: (tool: string) => readonly string[] | undefined
  /**
   * Whether an SSE `tools/call` response waits for its first event (a notification, the result
   * or a keep-alive, at most `mcp.keepAliveMs`) before its headers and its 2025-11-25 priming
   * event are sent, so that a scope challenge the tool asks for before then is an HTTP 403
   * rather than a tool error (docs/server.md "Scopes learned during a call"). Default false:
   * SSE responses start at once, primed as the 2025-11-25 transport asks; JSON responses allow
   * the challenge either way. The gateway turns it on.
   */
  holdSseForScopeChallenge?: boolean
  /** Scopes every request needs (403 `insufficient_scope` otherwise). */
  requiredScopes?: string[]
  /**
   * `scope` in a bare 401 challenge: what a host asks for at its first sign-in (MCP "Scope
   * Selection Strategy"). Name what a typical session needs: some hosts (SDK v1, mcp-remote)
   * refresh instead of re-authorising on a 403. Default `requiredScopes`.
   */
  challengeScopes?: string[]
  /** `scopes_supported` in the metadata. */
  scopesSupported?: string[]
  /**
   * `callable` (default): `tools/list` shows only what the caller may call now. `all`: every
   * tool, each with its requirements in `_meta["io.mandate/requires"]`, so that a host finds a
   * tool that needs more and steps up on the call's 403/401 (docs/server.md "Discoverable
   * step-up"). Calls are enforced either way.
   */
  toolsList?: 'callable' | 'all'
  /** DPoP (RFC 9449). Bound tokens are always checked; this configures proofs and policy. */
  dpop?: DpopOptions
  /**
   * Cross-instance state: DPoP replay (`setIfAbsent`) and revocation events (pub/sub; with a
   * full `Store`, the revocation log too, read at start, after reconnections and every poll).
   */
  store?: Pick<Store, 'setIfAbsent' | 'subscribe' | 'onResubscribe'> &
    Partial<Pick<Store, 'db' | 'kind'>>
  /**
   * Revocations from elsewhere than `store`, e.g. `httpRevocationFeed` of an authorization
   * server this resource shares no store with (docs/revocation.md).
   */
  revocationFeed?: RevocationFeed
  /** Refuse every token when revocations were not confirmed complete for this long, ms. Default 10000. */
  revocationStaleAfterMs?: number
  /** Browser origins allowed to call (exact `scheme://host[:port]`). Default: the resource's. */
  allowedOrigins?: string[]
  /** `Host` values accepted (DNS rebinding). Default: the resource's host (and loopback aliases). */
  allowedHosts?: string[]
  /** Largest request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number
  /** Deepest nesting of arrays/objects in a JSON-RPC body (RFC 8259 §9). Default 64. */
  maxJsonDepth?: number
  resourceName?: string
  resourceDocumentation?: string
  /** Also serve the metadata at `/.well-known/oauth-protected-resource`. Default true. */
  serveRootMetadata?: boolean
  /** Passed to the SDK's `createMcpHandler`. */
  mcp?: Pick<CreateMcpHandlerOptions, 'responseMode' | 'legacy' | 'keepAliveMs' | 'bus'>
  logger?: Logger
  /** Audit hook: every `tools/call` decision and refused request (docs/audit.md). */
  audit?: McpAuditOptions
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
   * SEP-2663 tasks of the tools defined with `task` (docs/server.md "Tasks"): how long a task
   * stays readable (default 900 s), the polling interval suggested to clients (default 1000 ms)
   * and how many tasks one user+client may hold on one instance (default 16).
   */
  tasks?: { ttlSeconds?: number; pollIntervalMs?: number; maxTasksPerCaller?: number }
  /**
   * No authentication at all, for protocol conformance runs. Refused unless the resource is on
   * loopback. Every request runs as the `anonymous` user with every supported scope.
   */
  unauthenticatedTestMode?: boolean
  /**
   * The clock of token, DPoP-proof and step-up (`auth_time`) checks, ms since the epoch (tests
   * inject one, as the vault's `now`). Default `Date.now`.
   */
  now?: () => number
}
