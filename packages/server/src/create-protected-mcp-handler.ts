import {
  ConfigurationError,
  JSONRPC_ERROR,
  protectedResourceMetadataUrl,
  silentLogger,
} from '@mandate/core'
import type { ProtectedResourceMetadata } from '@mandate/core'
import { createMcpHandler } from '@modelcontextprotocol/server'
import { createDpopNonces } from './dpop/dpop-nonces.ts'
import { DEFAULT_DPOP_ALGORITHMS } from './dpop/verify-dpop-proof.ts'
import { authenticate } from './http/authenticate.ts'
import type { AuthSettings } from './http/authenticate.ts'
import { challengeResponse, jsonRpcErrorResponse } from './http/challenges.ts'
import type { ChallengeContext } from './http/challenges.ts'
import { enforceToolRequirements } from './http/enforce-tool-requirements.ts'
import { NotificationStreams } from './http/notification-stream.ts'
import type { StreamAuthority } from './http/notification-stream.ts'
import { defaultAllowedHosts, transportGuard } from './http/transport-guards.ts'
import { findIdentity, toAuthInfo } from './identity.ts'
import type { McpIdentity } from './identity.ts'
import { memoryReplayCache } from './lib/memory-replay.ts'
import { readBodyLimited } from './lib/read-body.ts'
import { canonicalUrl, isLoopbackHost, requireSecureUrl } from './lib/urls.ts'
import type { ProtectedRequestContext, ProtectOptions } from './options.ts'
import { evaluateRequirement, toRequirementMap } from './tools.ts'
import { buildVerifier } from './verify/build-verifier.ts'
import { RevocationListener } from './verify/revocation-listener.ts'

/** A web-standard handler for one protected MCP endpoint and its metadata. */
export interface ProtectedMcpHandler {
  /** Serves the MCP endpoint and the RFC 9728 metadata routes; 404 for anything else. */
  fetch(request: Request): Promise<Response>
  /** The path of the MCP endpoint (from `resource`). */
  readonly path: string
  /** Paths that serve the protected resource metadata. */
  readonly metadataPaths: readonly string[]
  readonly metadata: ProtectedResourceMetadata
  /** Ends the open notification streams (graceful shutdown: clients reconnect elsewhere). */
  endStreams(): void
  close(): Promise<void>
}

const EXPOSED = 'WWW-Authenticate, DPoP-Nonce, Mcp-Session-Id, Mcp-Protocol-Version'
const ALLOWED_REQUEST_HEADERS =
  'Authorization, DPoP, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Mcp-Method, Mcp-Name, Last-Event-ID'

/**
 * Protects an MCP server built on the SDK v2 (`createMcpHandler`) as an OAuth 2.1 resource
 * server (MCP authorization, 2025-11-25 and 2026-07-28): RFC 9728 metadata, token and DPoP
 * verification, 401/403 challenges with step-up, per-tool requirements, Host/Origin checks and
 * body limits. Mount `fetch` with {@link mountOnHono} or {@link createNodeHandler}.
 */
export function createProtectedMcpHandler(options: ProtectOptions): ProtectedMcpHandler {
  const resourceUrl = requireSecureUrl('resource', options.resource)
  const resource = canonicalUrl(resourceUrl)
  if (resource === undefined || resourceUrl.search !== '') {
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
  const logger = options.logger ?? silentLogger
  const path = resourceUrl.pathname.length > 1 ? resourceUrl.pathname.replace(/\/$/, '') : '/'
  const metadataUrl = protectedResourceMetadataUrl(resourceUrl)
  const metadataPaths = [metadataUrl.pathname]
  if (
    options.serveRootMetadata !== false &&
    metadataUrl.pathname !== '/.well-known/oauth-protected-resource'
  ) {
    metadataPaths.push('/.well-known/oauth-protected-resource')
  }
  const requirements = toRequirementMap(options.tools)
  const requiredScopes = options.requiredScopes ?? []
  const dpopAlgs = options.dpop?.algorithms ?? [...DEFAULT_DPOP_ALGORITHMS]
  const dpopRequired = options.dpop?.required === true

  const metadata: ProtectedResourceMetadata = {
    resource: resourceUrl.href,
    authorization_servers: [...options.authorizationServers],
    bearer_methods_supported: ['header'],
    dpop_signing_alg_values_supported: dpopAlgs,
    ...(dpopRequired ? { dpop_bound_access_tokens_required: true } : {}),
    ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported }),
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resource_documentation: options.resourceDocumentation }),
  }
  const metadataBody = JSON.stringify(metadata)

  const challenge: ChallengeContext = {
    resourceMetadataUrl: metadataUrl.href,
    scopes: options.challengeScopes ?? requiredScopes,
    dpop: { algs: dpopAlgs, only: dpopRequired },
  }
  const revocations =
    options.store === undefined ? undefined : new RevocationListener(options.store)
  const verifier = testMode ? undefined : buildVerifier(options, resource)
  const nonceOption = options.dpop?.nonce
  const settings: AuthSettings | undefined =
    verifier === undefined
      ? undefined
      : {
          verifier,
          resource: resourceUrl,
          challenge,
          dpop: {
            required: dpopRequired,
            algorithms: dpopAlgs,
            maxAgeSeconds: options.dpop?.maxAgeSeconds ?? 60,
            clockToleranceSeconds: options.dpop?.clockToleranceSeconds ?? 10,
            nonces:
              nonceOption === undefined || nonceOption === false
                ? undefined
                : createDpopNonces(nonceOption === true ? {} : nonceOption),
            replay:
              options.store === undefined
                ? memoryReplayCache()
                : (key, ttl) => options.store?.setIfAbsent(key, ttl) ?? Promise.resolve(false),
          },
          revocations,
          logger,
        }
  const allowedHosts = new Set(
    (options.allowedHosts ?? defaultAllowedHosts(resourceUrl)).map((h) => h.toLowerCase()),
  )
  const allowedOrigins = new Set(
    (options.allowedOrigins ?? [resourceUrl.origin]).map((o) => o.toLowerCase()),
  )
  const streams =
    options.notifications === undefined
      ? undefined
      : new NotificationStreams(options.notifications, logger)
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
  const toolsList = options.toolsList ?? 'callable'
  const anonymous: McpIdentity = Object.freeze({
    sub: 'anonymous',
    clientId: 'anonymous',
    issuer: resourceUrl.origin,
    scopes: Object.freeze([...(options.scopesSupported ?? [])]),
    acr: undefined,
    amr: [],
    authTime: undefined,
    act: undefined,
    jkt: undefined,
    jti: undefined,
    expiresAt: Number.MAX_SAFE_INTEGER,
  })

  const mcp = createMcpHandler(
    (ctx) => {
      const identity = findIdentity(ctx.authInfo) ?? anonymous
      const allows = (tool: string): boolean =>
        testMode || evaluateRequirement(requirements.get(tool), identity) === undefined
      const requestContext: ProtectedRequestContext = {
        era: ctx.era,
        identity,
        allows,
        registerTools(server, tools) {
          for (const tool of tools)
            if (toolsList === 'all' || allows(tool.name)) tool.register(server)
        },
      }
      return options.factory(requestContext)
    },
    {
      ...options.mcp,
      maxRequestBodySize: maxBodyBytes,
      onerror: (error) => {
        logger.debug('mcp request error', { error: error.message })
      },
    },
  )

  const cors = (request: Request, headers: Headers): void => {
    const origin = request.headers.get('origin')
    if (origin === null || !allowedOrigins.has(origin.toLowerCase())) return
    headers.set('access-control-allow-origin', origin)
    headers.set('access-control-expose-headers', EXPOSED)
    headers.append('vary', 'Origin')
  }
  const withCors = (request: Request, response: Response): Response => {
    if (request.headers.get('origin') === null) return response
    const headers = new Headers(response.headers)
    cors(request, headers)
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    })
  }

  const serveMetadata = (request: Request): Response => {
    const headers = new Headers({
      'access-control-allow-origin': '*',
      'cache-control': 'max-age=300',
    })
    if (request.method === 'OPTIONS') {
      headers.set('access-control-allow-methods', 'GET')
      return new Response(null, { status: 204, headers })
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      headers.set('allow', 'GET, HEAD, OPTIONS')
      return new Response(null, { status: 405, headers })
    }
    headers.set('content-type', 'application/json')
    return new Response(request.method === 'HEAD' ? null : metadataBody, { status: 200, headers })
  }

  const serveMcp = async (request: Request, url: URL): Promise<Response> => {
    const guard = transportGuard(request, allowedHosts, allowedOrigins)
    if (guard !== undefined) return guard
    if (request.method === 'OPTIONS') {
      const headers = new Headers({
        'access-control-allow-methods': 'GET, POST, DELETE',
        'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
        'access-control-max-age': '600',
      })
      return new Response(null, { status: 204, headers })
    }
    // Tokens in the URI leak into logs and histories (RFC 6750 §5.3, catalogue #92, #173).
    if (url.searchParams.has('access_token')) {
      return challengeResponse(challenge, {
        status: 400,
        error: 'invalid_request',
        description: 'token in query not allowed',
      })
    }
    let identity = anonymous
    let dpopNonce: string | undefined
    let revoked = (): boolean => false
    if (settings !== undefined) {
      const result = await authenticate(request, settings)
      if (result instanceof Response) return result
      identity = result.identity
      dpopNonce = result.dpopNonce
      revoked = result.revoked
      const missing = requiredScopes.filter((s) => !identity.scopes.includes(s))
      if (missing.length > 0) {
        return challengeResponse(challenge, {
          status: 403,
          error: 'insufficient_scope',
          description: 'more scopes required',
          scopes: union(identity.scopes, requiredScopes),
        })
      }
    }
    if (request.method === 'GET' && streams !== undefined && !isModernGet(request)) {
      if (!/\btext\/event-stream\b/i.test(request.headers.get('accept') ?? '')) {
        return jsonRpcErrorResponse(406, JSONRPC_ERROR.invalidRequest, 'accept text/event-stream')
      }
      const authority: StreamAuthority = {
        revoked,
        onRevocation: (check) => revocations?.onEvent(check) ?? (() => undefined),
      }
      return withDpopNonce(streams.open(request, identity, authority), dpopNonce)
    }
    let parsedBody: unknown
    if (request.method === 'POST') {
      const type = request.headers.get('content-type') ?? ''
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        return jsonRpcErrorResponse(
          415,
          JSONRPC_ERROR.invalidRequest,
          'content-type must be application/json',
        )
      }
      const bytes = await readBodyLimited(request, maxBodyBytes)
      if (bytes === undefined) {
        return jsonRpcErrorResponse(413, JSONRPC_ERROR.invalidRequest, 'request body too large')
      }
      try {
        parsedBody = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
      } catch {
        return jsonRpcErrorResponse(400, JSONRPC_ERROR.parseError, 'parse error')
      }
      if (typeof parsedBody !== 'object' || parsedBody === null) {
        return jsonRpcErrorResponse(400, JSONRPC_ERROR.invalidRequest, 'invalid request')
      }
      if (!testMode) {
        const denied = enforceToolRequirements(parsedBody, requirements, identity, challenge)
        if (denied !== undefined) return denied
      }
      await rememberInitialize(parsedBody, identity)
    }
    const authInfo = toAuthInfo(identity, resourceUrl, metadataUrl.href)
    const response = await mcp.fetch(
      request,
      parsedBody === undefined ? { authInfo } : { authInfo, parsedBody },
    )
    return withDpopNonce(response, dpopNonce)
  }

  // Stateless serving forgets what a 2025-11-25 client declared at `initialize` (e.g. URL
  // elicitation); hand it to whoever must remember it per user and client.
  async function rememberInitialize(body: object, caller: McpIdentity): Promise<void> {
    const { onClientInitialize } = options
    const message = body as { method?: unknown; params?: { capabilities?: unknown } }
    if (onClientInitialize === undefined || message.method !== 'initialize') return
    try {
      await onClientInitialize(caller, message.params?.capabilities)
    } catch (error) {
      options.logger?.warn('onClientInitialize failed', { error })
    }
  }

  return {
    path,
    metadataPaths,
    metadata,
    async fetch(request) {
      const url = new URL(request.url)
      if (metadataPaths.includes(url.pathname)) return serveMetadata(request)
      const normalised = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname
      if (normalised !== path) return new Response('not found', { status: 404 })
      return withCors(request, await serveMcp(request, url))
    },
    endStreams() {
      streams?.closeAll()
    },
    async close() {
      streams?.closeAll()
      verifier?.close?.()
      revocations?.close()
      await mcp.close()
    },
  }
}

/** 2026-07-28 removed the standalone stream's notifications (and sessions); the SDK answers. */
function isModernGet(request: Request): boolean {
  const version = request.headers.get('mcp-protocol-version')
  return version !== null && version >= '2026-07-28'
}

function withDpopNonce(response: Response, dpopNonce: string | undefined): Response {
  if (dpopNonce === undefined) return response
  const headers = new Headers(response.headers)
  headers.set('dpop-nonce', dpopNonce)
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  })
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])]
}
