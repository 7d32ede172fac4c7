// SEP-2352 with real parts: two oidc-provider authorization servers (DCR, PKCE, resource
// indicators → JWT access tokens, refresh tokens) and one SDK v2 MCP server whose protected
// resource metadata names the first until `migrate()`, then the second. The MCP server accepts
// only tokens of the authorization server it currently names. Every request an authorization
// server receives is recorded (URL, Authorization header, parsed body) so a test can look for
// values that must never reach it.
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { McpServer } from '@modelcontextprotocol/server'
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose'
import Provider from 'oidc-provider'

/** A client registered at an authorization server out of band. */
export interface StaticClient {
  client_id: string
  client_secret: string
  redirect_uri: string
}

/** One authorization server and what it has seen. */
export interface RecordingAs {
  issuer: string
  /**
   * Every exchange as one string: method, URL, Authorization header (and Basic credentials
   * decoded), parsed request body, JSON response body.
   */
  requests: string[]
  /** Client ids that completed a dynamic registration here. */
  registrations: string[]
  /** Client ids of the authorization requests made here. */
  authorizedClients: string[]
}

/** The two authorization servers and the MCP server that moves from one to the other. */
export interface MigratingMcp {
  mcpUrl: string
  as1: RecordingAs
  as2: RecordingAs
  /** From now on the resource metadata names AS2, and only AS2's tokens are accepted. */
  migrate(): void
  close(): Promise<void>
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
}

/** Starts AS1 (optionally with `staticClient` registered), AS2 and the MCP server on loopback. */
export async function startMigratingMcp(staticClient?: StaticClient): Promise<MigratingMcp> {
  const mcpServer = createServer()
  const mcpPort = await listen(mcpServer)
  const mcpUrl = `http://127.0.0.1:${String(mcpPort)}/mcp`
  const one = await startAs(mcpUrl, staticClient)
  const two = await startAs(mcpUrl)
  let current = one
  mcpServer.on('request', (req, res) => {
    void handleMcp(req, res, { mcpUrl, mcpPort, as: current }).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  return {
    mcpUrl,
    as1: one.record,
    as2: two.record,
    migrate: () => {
      current = two
    },
    close: async () => {
      await close(mcpServer)
      await close(one.server)
      await close(two.server)
    },
  }
}

interface StartedAs {
  record: RecordingAs
  server: Server
  jwks: ReturnType<typeof createRemoteJWKSet>
}

async function startAs(mcpUrl: string, staticClient?: StaticClient): Promise<StartedAs> {
  const server = createServer()
  const issuer = `http://127.0.0.1:${String(await listen(server))}`
  const record: RecordingAs = { issuer, requests: [], registrations: [], authorizedClients: [] }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const provider = new Provider(issuer, {
    clients: staticClient === undefined ? [] : [asClientMetadata(staticClient)],
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'] },
    scopes: ['openid', 'offline_access', 'mcp:read'],
    features: {
      registration: { enabled: true },
      devInteractions: { enabled: true },
      // Bearer tokens keep the recorded requests readable (the client uses DPoP when offered).
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => mcpUrl,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== mcpUrl) throw new Error('unknown resource')
          return {
            scope: 'mcp:read',
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'ES256' } },
          }
        },
      },
    },
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'k1' }] },
    pkce: { required: () => true },
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    findAccount: (_ctx, id) => Promise.resolve({ accountId: id, claims: () => ({ sub: id }) }),
  })
  provider.use(async (ctx, next) => {
    try {
      await next()
    } finally {
      const body = (ctx.oidc as { body?: unknown } | undefined)?.body
      const authorization = ctx.get('authorization')
      // RFC 6749 §2.3.1: client_secret_basic hides the credentials in Base64.
      const basic = authorization.startsWith('Basic ')
        ? Buffer.from(authorization.slice(6), 'base64').toString('utf8')
        : ''
      const response = typeof ctx.body === 'object' ? JSON.stringify(ctx.body) : ''
      record.requests.push(
        `${ctx.method} ${ctx.url} ${authorization} ${basic} ${JSON.stringify(body)} → ${response}`,
      )
    }
  })
  provider.on('registration_create.success', (_ctx, client) => {
    record.registrations.push(client.clientId)
  })
  provider.on('authorization.accepted', (ctx) => {
    record.authorizedClients.push(ctx.oidc.client?.clientId ?? '')
  })
  const callback = provider.callback()
  server.on('request', (req, res) => {
    void callback(req, res)
  })
  return { record, server, jwks: createRemoteJWKSet(new URL(`${issuer}/jwks`)) }
}

function asClientMetadata(client: StaticClient): { client_id: string } & Record<string, unknown> {
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: [client.redirect_uri],
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'client_secret_basic',
  }
}

interface McpContext {
  mcpUrl: string
  mcpPort: number
  as: StartedAs
}

async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: McpContext,
): Promise<void> {
  const prmUrl = `http://127.0.0.1:${String(ctx.mcpPort)}/.well-known/oauth-protected-resource/mcp`
  if (req.url === '/.well-known/oauth-protected-resource/mcp') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        resource: ctx.mcpUrl,
        authorization_servers: [ctx.as.record.issuer],
        scopes_supported: ['mcp:read'],
      }),
    )
    return
  }
  if (req.url !== '/mcp') {
    res.writeHead(404).end()
    return
  }
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body =
    chunks.length === 0
      ? undefined
      : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown)
  const [scheme, token] = (req.headers.authorization ?? '').split(' ')
  // RFC 9068: a JWT access token of the AS the resource names now, for this audience.
  const verified =
    scheme === 'Bearer' && token !== undefined
      ? await jwtVerify(token, ctx.as.jwks, {
          issuer: ctx.as.record.issuer,
          audience: ctx.mcpUrl,
        }).catch(() => undefined)
      : undefined
  if (verified === undefined) {
    res
      .writeHead(401, {
        'www-authenticate': `Bearer resource_metadata="${prmUrl}", scope="mcp:read"`,
      })
      .end()
    return
  }
  const server = new McpServer({ name: 'migrating-mcp', version: '0' })
  server.registerTool('whoami', { description: 'names the token issuer' }, () => ({
    content: [{ type: 'text', text: `token from ${String(verified.payload.iss)}` }],
  }))
  const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined })
  await server.connect(transport)
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await transport.handleRequest(req, res, body)
}
