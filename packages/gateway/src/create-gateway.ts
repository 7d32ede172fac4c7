import { ConfigurationError, silentLogger } from '@mandate/core'
import type { Logger } from '@mandate/core'
import { createProtectedMcpHandler } from '@mandate/server'
import type { McpIdentity, ProtectedMcpHandler } from '@mandate/server'
import { putUrlElicitationCapability } from '@mandate/store'
import { Server } from '@modelcontextprotocol/server'
import type { Hono } from 'hono'
import { LearnedScopes, learnedScopesLimits } from './credentials/learned-scopes.ts'
import { learnedRequirement } from './credentials/step-up-retry.ts'
import { TokenExchangeClient } from './credentials/token-exchange-client.ts'
import { callTool } from './front/call-tool.ts'
import { routeTool } from './front/gateway-core.ts'
import type { GatewayCore } from './front/gateway-core.ts'
import { listTools } from './front/list-tools.ts'
import { getPrompt, listPrompts, listResources, readResource } from './front/prompts-resources.ts'
import { registerTemplatesAndCompletions } from './front/register-extras.ts'
import { createApprovalContext } from './approval/approval-context.ts'
import { approvalRoutes } from './approval/approval-routes.ts'
import { withSubjectToken } from './lib/subject-token.ts'
import { attachRisk, withSourceAddress } from './risk/risk-signal.ts'
import { riskStep } from './risk/risk-step.ts'
import type { GatewayOptions, PolicyRule, UpstreamOptions } from './options.ts'
import { compilePolicy } from './policy/compile-policy.ts'
import { stepUpRequirements } from './policy/step-up-requirements.ts'
import { compileUpstreams } from './upstreams/compile-upstreams.ts'
import { reloadUpstreams } from './upstreams/reload-upstreams.ts'
import type { UpstreamReload } from './upstreams/reload-upstreams.ts'
import { SessionPool } from './upstreams/session-pool.ts'
import { honourRevocations, watchRevocations } from './revocation/revocation-watch.ts'
import { combinedSource, NotificationHub } from './upstreams/relay.ts'

/** The gateway: one protected MCP endpoint in front of the configured upstreams. */
export interface Gateway extends ProtectedMcpHandler {
  /** Open per-user upstream sessions (connections or processes). */
  readonly sessions: number
  /**
   * Replaces the policies of the named upstreams without a restart. Every policy is compiled
   * first: on an error (ConfigurationError) nothing changes. Calls in flight finish under the
   * policy they started with.
   */
  reloadPolicies(policies: Readonly<Record<string, readonly PolicyRule[]>>): void
  /**
   * Replaces the upstreams and their policies without a restart (fail safe: on a
   * ConfigurationError nothing changes); sessions of removed or changed upstreams are closed.
   * The HTTP-layer step-up requirements stay those of the start.
   */
  reloadUpstreams(upstreams: readonly UpstreamOptions[]): Promise<UpstreamReload>
  /**
   * The approval pages of `approve` rules (`GET`/`POST /<id>`), to mount at
   * `approval.path` on `approval.baseUrl`; undefined without `options.approval`.
   */
  readonly approvalRoutes: Hono | undefined
}

/**
 * Builds the MCP gateway (docs/gateway.md): callers authenticate with tokens for `resource`
 * (@mandate/server); each upstream gets a credential of its own for that user (token exchange,
 * linked account, or a static service credential) through a session of that user only; policy
 * filters `tools/list` and decides every `tools/call`; every hop is audited.
 * Throws `ConfigurationError` for an invalid configuration or policy.
 *
 * @example
 * ```ts
 * const gateway = createGateway({
 *   resource: 'https://gateway.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: { jwt: { issuers: [{ issuer: 'https://auth.example.com' }] } },
 *   tokenExchange: { tokenEndpoint, clientId: 'gateway', clientSecret },
 *   upstreams: [
 *     {
 *       name: 'tickets',
 *       transport: { type: 'http', url: 'https://tickets.internal/mcp' },
 *       credential: { kind: 'exchange', resource: 'https://tickets.internal/mcp', scopes: ['tickets:read'] },
 *       policy: [{ action: 'allow', tools: ['search'], scopes: ['tickets:read'] }],
 *     },
 *   ],
 * })
 * mountOnHono(app, gateway) // or: (request) => gateway.fetch(request)
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  const logger = (options.logger ?? silentLogger).child({ component: 'gateway' })
  const hub = new NotificationHub()
  const core = gatewayCore(options, logger, hub)
  attachRisk(core, options.risk, logger)
  const handler = protectedFront(options, core, logger, hub)
  const stopRevocations =
    core.revocations === undefined
      ? undefined
      : honourRevocations(core.revocations, {
          pool: core.pool,
          exchange: core.exchange,
          onError: (error) => {
            logger.warn('closing revoked upstream sessions failed', { error })
          },
        })
  return {
    path: handler.path,
    metadataPaths: handler.metadataPaths,
    metadata: handler.metadata,
    get sessions() {
      return core.pool.size
    },
    reloadPolicies: (policies) => {
      reloadPolicies(core, policies)
      logger.info('gateway policies reloaded', { upstreams: Object.keys(policies) })
    },
    reloadUpstreams: async (upstreams) => {
      const reload = await reloadUpstreams(core, options, upstreams)
      logger.info('gateway upstreams reloaded', { ...reload })
      return reload
    },
    approvalRoutes: core.approval === undefined ? undefined : approvalRoutes(core.approval),
    fetch: (request) =>
      withSourceAddress(options.sourceAddress?.(request), () =>
        withSubjectToken(request, () => handler.fetch(request)),
      ),
    endStreams: () => {
      handler.endStreams()
    },
    async close() {
      stopRevocations?.()
      await handler.close()
      await core.pool.close()
    },
  }
}

/**
 * What every request shares: compiled upstreams, the session pool, the exchange client, and the
 * revocation events (one subscription, shared with the protected front).
 */
function gatewayCore(options: GatewayOptions, logger: Logger, hub: NotificationHub): GatewayCore {
  const upstreams = compileUpstreams(options)
  const fetchImpl = options.fetch ?? fetch
  const revocations = watchRevocations(options)
  const needsApproval = upstreams.some((u) => u.rules.some((r) => r.rule.action === 'approve'))
  return {
    resource: options.resource,
    upstreams,
    approval: createApprovalContext(options, logger, needsApproval),
    revocations,
    pool: new SessionPool({
      idleMs: options.sessionIdleMs ?? 300_000,
      maxSessions: options.maxSessions ?? 1000,
      fetch: fetchImpl,
      logger,
      ...(revocations === undefined ? {} : { revoked: revocations.revoked }),
      idle: (owner, notification) => {
        hub.publish(owner, notification)
      },
    }),
    exchange:
      options.tokenExchange === undefined
        ? undefined
        : new TokenExchangeClient(options.tokenExchange, fetchImpl),
    logger,
    audit: options.audit,
    store: options.store,
    learned: new LearnedScopes(learnedScopesLimits(options.learnedScopes)),
  }
}

/**
 * The protected front (@mandate/server): token verification for `resource` (revocations from
 * the gateway's tap on the same source), step-up challenges for the tools policy names exactly,
 * and one notification stream per caller: account-linking notices and upstream notifications
 * that arrive while none of the caller's calls is in flight.
 */
function protectedFront(
  options: GatewayOptions,
  core: GatewayCore,
  logger: Logger,
  hub: NotificationHub,
): ProtectedMcpHandler {
  const { linking } = options
  return createProtectedMcpHandler({
    resource: options.resource,
    authorizationServers: options.authorizationServers,
    verifier: options.verifier,
    logger,
    tools: stepUpRequirements(core.upstreams),
    extraToolScopes: learnedRequirement(core),
    // An upstream's 403 during the call reaches the caller as HTTP 403 when nothing was sent yet.
    holdSseForScopeChallenge: true,
    ...pick(options),
    ...(core.revocations === undefined ? {} : { revocationFeed: core.revocations.feed }),
    notifications: { source: combinedSource(hub, linking?.notifications) },
    ...rememberCapabilities(options),
    factory: () => gatewayServer(core),
  })
}

/**
 * 2025-11-25 callers' `initialize` capabilities, remembered per user and client: stateless
 * serving forgets the handshake, and both account linking and upstream URL elicitations must
 * know whether the caller can be shown a URL (catalogue #187).
 */
function rememberCapabilities(options: GatewayOptions) {
  const { linking, store } = options
  if (linking !== undefined)
    return {
      onClientInitialize: (identity: McpIdentity, capabilities: unknown) =>
        linking.rememberClientCapabilities(identity, capabilities),
    }
  if (store === undefined) return {}
  return {
    onClientInitialize: (identity: McpIdentity, capabilities: unknown) => {
      const url = (capabilities as { elicitation?: { url?: unknown } } | undefined)?.elicitation
        ?.url
      const declared = typeof url === 'object' && url !== null
      return putUrlElicitationCapability(store, identity, declared, Date.now())
    },
  }
}

/**
 * The low-level MCP server of one request: the tool list is the upstreams', known per request.
 * Each handler runs after the risk step (computed only when a policy involved reads `risk`).
 */
function gatewayServer(core: GatewayCore) {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- dynamic tools need it
  const server = new Server(
    { name: 'mandate-gateway', version: '0.1.0' },
    { capabilities: { tools: {}, prompts: {}, resources: { subscribe: true }, completions: {} } },
  )
  const risk = riskStep(core)
  const routed = (request: { params: { name: string } }) => {
    const route = routeTool(core, request.params.name)
    return route === undefined ? [] : [route.upstream]
  }
  server.setRequestHandler(
    'tools/list',
    risk((_request, ctx) => listTools(core, ctx)),
  )
  server.setRequestHandler(
    'tools/call',
    risk((request, ctx) => callTool(core, request.params, ctx), routed),
  )
  server.setRequestHandler(
    'prompts/list',
    risk((_request, ctx) => listPrompts(core, ctx)),
  )
  server.setRequestHandler(
    'prompts/get',
    risk((request, ctx) => getPrompt(core, request.params, ctx), routed),
  )
  server.setRequestHandler(
    'resources/list',
    risk((_request, ctx) => listResources(core, ctx)),
  )
  server.setRequestHandler(
    'resources/read',
    risk((request, ctx) => readResource(core, request.params, ctx)),
  )
  registerTemplatesAndCompletions(server, core, risk)
  return server
}

/** Compiles every new policy first, then swaps the upstream list whole (or changes nothing). */
function reloadPolicies(
  core: GatewayCore,
  policies: Readonly<Record<string, readonly PolicyRule[]>>,
): void {
  for (const name of Object.keys(policies)) {
    if (!core.upstreams.some((u) => u.options.name === name)) {
      throw new ConfigurationError(`gateway.upstreams.${name}`, 'no such upstream')
    }
  }
  core.upstreams = core.upstreams.map((upstream) => {
    const policy = policies[upstream.options.name]
    if (policy === undefined) return upstream
    const rules = compilePolicy(`gateway.upstreams.${upstream.options.name}`, policy)
    return { ...upstream, rules, mayAllow: rules.some((r) => r.rule.action !== 'deny') }
  })
  core.learned.clear()
}

function pick(options: GatewayOptions) {
  const keys = [
    'store',
    'allowedHosts',
    'allowedOrigins',
    'scopesSupported',
    'challengeScopes',
    'requiredScopes',
    'resourceName',
    'dpop',
    'serveRootMetadata',
    'mcp',
    'revocationStaleAfterMs',
  ] as const
  return Object.fromEntries(
    keys.filter((k) => options[k] !== undefined).map((k) => [k, options[k]]),
  )
}
