import {
  canonicalUrl,
  ConfigurationError,
  DEFAULT_JSON_BOUNDS,
  isLoopbackHost,
  protectedResourceMetadataUrl,
  silentLogger,
} from '@mandate/core'
import type { Logger, ProtectedResourceMetadata } from '@mandate/core'
import { DEFAULT_DPOP_ALGORITHMS } from '../dpop/verify-dpop-proof.ts'
import type { ChallengeContext } from '../http/challenges.ts'
import { defaultAllowedHosts } from '../http/transport-guards.ts'
import type { McpIdentity } from '../identity.ts'
import { requireSecureUrl } from '../lib/urls.ts'
import type { NotificationStreamOptions } from '../notifications.ts'
import type { ProtectOptions } from '../options.ts'
import type { TaskLimits } from '../tasks/task-registry.ts'
import { toRequirementMap } from '../tools.ts'
import type { ToolRequirement } from '../tools.ts'

/**
 * Every default of {@link ProtectOptions}, in one place (docs/server.md "Options"). Defaults that
 * depend on the resource are derived in {@link resolveProtectConfig}: `challengeScopes` is
 * `requiredScopes`, `allowedOrigins` the resource's origin, `allowedHosts` its host (with the
 * loopback aliases on loopback).
 */
export const PROTECT_DEFAULTS = Object.freeze({
  requiredScopes: Object.freeze<string[]>([]),
  toolsList: 'callable' as const,
  serveRootMetadata: true,
  maxBodyBytes: 1024 * 1024,
  maxJsonDepth: DEFAULT_JSON_BOUNDS.maxDepth,
  revocationStaleAfterMs: 10_000,
  dpop: Object.freeze({
    required: false,
    algorithms: DEFAULT_DPOP_ALGORITHMS,
    maxAgeSeconds: 60,
    clockToleranceSeconds: 10,
  }),
  notifications: Object.freeze({
    keepAliveSeconds: 15,
    maxStreamSeconds: 300,
    maxStreamsPerCaller: 4,
  }),
  tasks: Object.freeze({ ttlSeconds: 900, pollIntervalMs: 1000, maxTasksPerCaller: 16 }),
  logger: silentLogger,
  now: Date.now,
})

/** DPoP (RFC 9449) policy with its defaults applied. */
export interface DpopPolicy {
  readonly required: boolean
  readonly algorithms: readonly string[]
  readonly maxAgeSeconds: number
  readonly clockToleranceSeconds: number
  /** Server nonces (RFC 9449 §9): off, or the options of `createDpopNonces`. */
  readonly nonce: false | Readonly<{ secret?: Uint8Array; periodSeconds?: number }>
}

/**
 * {@link ProtectOptions} resolved once, checked and frozen: what every request of one protected
 * endpoint reads. Callbacks and shared services (verifier, store, audit sink, logger) are passed
 * through as given.
 */
export interface ProtectConfig {
  /** The resource as configured: the metadata's `resource` and handlers' `authInfo.resource`. */
  readonly resource: string
  /** Its RFC 8707 canonical form, which a token's `aud` must name. */
  readonly canonicalResource: string
  /** Where the MCP endpoint is served (the resource's path, no trailing slash). */
  readonly path: string
  readonly metadataUrl: string
  readonly metadataPaths: readonly string[]
  readonly metadata: ProtectedResourceMetadata
  /** The metadata document, serialised once. */
  readonly metadataBody: string
  /** `unauthenticatedTestMode`: no authentication, no scope gate (loopback only). */
  readonly testMode: boolean
  readonly challenge: ChallengeContext
  readonly requiredScopes: readonly string[]
  readonly requirements: ReadonlyMap<string, ToolRequirement>
  readonly extraToolScopes: ProtectOptions['extraToolScopes']
  readonly holdSseForScopeChallenge: boolean
  readonly toolsList: 'callable' | 'all'
  readonly dpop: DpopPolicy
  readonly allowedHosts: ReadonlySet<string>
  readonly allowedOrigins: ReadonlySet<string>
  readonly maxBodyBytes: number
  readonly maxJsonDepth: number
  readonly revocationStaleAfterMs: number
  readonly notifications: Readonly<Required<NotificationStreamOptions>> | undefined
  /** SEP-2663 task bounds, and the task support of each defined tool by name. */
  readonly tasks: TaskLimits
  readonly taskTools: ReadonlyMap<string, 'optional' | 'required'>
  /** Who calls in unauthenticated test mode: every supported scope. */
  readonly anonymous: McpIdentity
  readonly logger: Logger
  /** The clock of every token, DPoP and step-up check, ms since the epoch. */
  readonly now: () => number
  readonly verifier: ProtectOptions['verifier']
  readonly factory: ProtectOptions['factory']
  readonly store: ProtectOptions['store']
  readonly revocationFeed: ProtectOptions['revocationFeed']
  readonly audit: ProtectOptions['audit']
  readonly onClientInitialize: ProtectOptions['onClientInitialize']
  readonly mcp: ProtectOptions['mcp']
}

/**
 * Checks `options` and resolves them, with every default, into the frozen {@link ProtectConfig}
 * of one protected endpoint.
 * @throws ConfigurationError for an insecure or malformed `resource` or authorization server,
 *   test mode off loopback, or no authorization server.
 */
export function resolveProtectConfig(options: ProtectOptions): ProtectConfig {
  const { resourceUrl, canonicalResource, testMode } = resolveResource(options)
  const dpop = resolveDpop(options)
  const requiredScopes = Object.freeze([
    ...(options.requiredScopes ?? PROTECT_DEFAULTS.requiredScopes),
  ])
  const metadataUrl = protectedResourceMetadataUrl(resourceUrl)
  const metadata = resolveMetadata(options, resourceUrl, dpop)
  const lower = (values: readonly string[]): Set<string> =>
    new Set(values.map((v) => v.toLowerCase()))
  return Object.freeze({
    resource: resourceUrl.href,
    canonicalResource,
    path: resourceUrl.pathname.length > 1 ? resourceUrl.pathname.replace(/\/$/, '') : '/',
    metadataUrl: metadataUrl.href,
    metadataPaths: metadataPathsOf(metadataUrl, options.serveRootMetadata),
    metadata,
    metadataBody: JSON.stringify(metadata),
    testMode,
    challenge: Object.freeze({
      resourceMetadataUrl: metadataUrl.href,
      scopes: Object.freeze([...(options.challengeScopes ?? requiredScopes)]),
      dpop: Object.freeze({ algs: dpop.algorithms, only: dpop.required }),
    }),
    requiredScopes,
    requirements: toRequirementMap(options.tools),
    extraToolScopes: options.extraToolScopes,
    holdSseForScopeChallenge: options.holdSseForScopeChallenge ?? false,
    toolsList: options.toolsList ?? PROTECT_DEFAULTS.toolsList,
    dpop,
    allowedHosts: lower(options.allowedHosts ?? defaultAllowedHosts(resourceUrl)),
    allowedOrigins: lower(options.allowedOrigins ?? [resourceUrl.origin]),
    maxBodyBytes: options.maxBodyBytes ?? PROTECT_DEFAULTS.maxBodyBytes,
    maxJsonDepth: options.maxJsonDepth ?? PROTECT_DEFAULTS.maxJsonDepth,
    revocationStaleAfterMs:
      options.revocationStaleAfterMs ?? PROTECT_DEFAULTS.revocationStaleAfterMs,
    notifications:
      options.notifications === undefined
        ? undefined
        : Object.freeze({ ...PROTECT_DEFAULTS.notifications, ...options.notifications }),
    tasks: resolveTasks(options),
    taskTools: taskToolsOf(options.tools),
    anonymous: anonymousIdentity(resourceUrl.origin, options.scopesSupported),
    logger: options.logger ?? PROTECT_DEFAULTS.logger,
    now: options.now ?? PROTECT_DEFAULTS.now,
    verifier: options.verifier,
    factory: options.factory,
    store: options.store,
    revocationFeed: options.revocationFeed,
    audit: options.audit,
    onClientInitialize: options.onClientInitialize,
    mcp: options.mcp,
  })
}

function resolveResource(options: ProtectOptions): {
  resourceUrl: URL
  canonicalResource: string
  testMode: boolean
} {
  const resourceUrl = requireSecureUrl('resource', options.resource)
  const canonicalResource = canonicalUrl(resourceUrl)
  if (canonicalResource === undefined || resourceUrl.search !== '') {
    throw new ConfigurationError('resource', 'must be an http(s) URL without query')
  }
  const testMode = options.unauthenticatedTestMode === true
  if (testMode && !isLoopbackHost(resourceUrl.hostname)) {
    throw new ConfigurationError('unauthenticatedTestMode', 'only allowed on loopback')
  }
  if (!testMode && options.authorizationServers.length === 0) {
    throw new ConfigurationError('authorizationServers', 'at least one authorization server')
  }
  for (const as of options.authorizationServers) requireSecureUrl('authorizationServers', as)
  return { resourceUrl, canonicalResource, testMode }
}

function resolveDpop(options: ProtectOptions): DpopPolicy {
  const defaults = PROTECT_DEFAULTS.dpop
  const nonce = options.dpop?.nonce
  return Object.freeze({
    required: options.dpop?.required ?? defaults.required,
    algorithms: Object.freeze([...(options.dpop?.algorithms ?? defaults.algorithms)]),
    maxAgeSeconds: options.dpop?.maxAgeSeconds ?? defaults.maxAgeSeconds,
    clockToleranceSeconds: options.dpop?.clockToleranceSeconds ?? defaults.clockToleranceSeconds,
    nonce:
      nonce === undefined || nonce === false
        ? false
        : Object.freeze(nonce === true ? {} : { ...nonce }),
  })
}

/** RFC 9728 §2 metadata of the resource. */
function resolveMetadata(
  options: ProtectOptions,
  resourceUrl: URL,
  dpop: DpopPolicy,
): ProtectedResourceMetadata {
  const { scopesSupported, resourceName, resourceDocumentation } = options
  return Object.freeze({
    resource: resourceUrl.href,
    authorization_servers: Object.freeze([...options.authorizationServers]) as string[],
    bearer_methods_supported: Object.freeze(['header']) as string[],
    dpop_signing_alg_values_supported: dpop.algorithms as string[],
    ...(dpop.required ? { dpop_bound_access_tokens_required: true } : {}),
    ...(scopesSupported === undefined
      ? {}
      : { scopes_supported: Object.freeze([...scopesSupported]) as string[] }),
    ...(resourceName === undefined ? {} : { resource_name: resourceName }),
    ...(resourceDocumentation === undefined
      ? {}
      : { resource_documentation: resourceDocumentation }),
  })
}

/** The path-inserted well-known URL (RFC 9728 §3.1) and, unless turned off, the root one. */
function metadataPathsOf(metadataUrl: URL, serveRoot: boolean | undefined): readonly string[] {
  const root = '/.well-known/oauth-protected-resource'
  const paths = [metadataUrl.pathname]
  if ((serveRoot ?? PROTECT_DEFAULTS.serveRootMetadata) && metadataUrl.pathname !== root) {
    paths.push(root)
  }
  return Object.freeze(paths)
}

function anonymousIdentity(
  issuer: string,
  scopesSupported: readonly string[] | undefined,
): McpIdentity {
  return Object.freeze({
    sub: 'anonymous',
    clientId: 'anonymous',
    issuer,
    scopes: Object.freeze([...(scopesSupported ?? [])]),
    acr: undefined,
    amr: [],
    authTime: undefined,
    act: undefined,
    jkt: undefined,
    jti: undefined,
    expiresAt: Number.MAX_SAFE_INTEGER,
    principal: 'person',
  })
}

function resolveTasks(options: ProtectOptions): TaskLimits {
  const { ttlSeconds, pollIntervalMs, maxTasksPerCaller } = {
    ...PROTECT_DEFAULTS.tasks,
    ...options.tasks,
  }
  return Object.freeze({
    ttlMs: Math.round(ttlSeconds * 1000),
    pollIntervalMs: Math.round(pollIntervalMs),
    maxTasksPerCaller,
    maxTasks: 10_000,
  })
}

function taskToolsOf(tools: ProtectOptions['tools']): Map<string, 'optional' | 'required'> {
  const map = new Map<string, 'optional' | 'required'>()
  if (!Array.isArray(tools)) return map
  for (const tool of tools as readonly { name: string; task?: 'optional' | 'required' }[]) {
    if (tool.task !== undefined) map.set(tool.name, tool.task)
  }
  return map
}
