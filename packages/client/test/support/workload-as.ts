// Workload identity federation with local parts: a "platform" key pair that signs workload JWTs
// (what Kubernetes or a CI system would issue), authorization servers implementing the RFC 7523
// JWT bearer grant (signature by the platform key, `aud` = their issuer, `exp`, single-use `jti`)
// that issue opaque access tokens, and an SDK v2 MCP server that accepts those tokens. The MCP
// server's resource metadata can be pointed at another authorization server (a rogue one).
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { McpServer } from '@modelcontextprotocol/server'
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { generateKeyPair, jwtVerify, SignJWT } from 'jose'

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const PLATFORM = 'https://platform.test'

type PublicKey = Awaited<ReturnType<typeof generateKeyPair>>['publicKey']

/** One JWT bearer authorization server and the token requests it saw. */
export interface WorkloadAs {
  issuer: string
  /** Token requests: grant type, client id, resource, and the assertion's `jti` when it verified. */
  tokenRequests: { grantType: string; clientId: string; resource: string; jti?: string }[]
  /** Requests for its metadata (the client reached it). */
  metadataRequests: number
  /** Forgets every token it issued (the next MCP call gets a 401). */
  revokeAll(): void
}

/** The platform, the honest and the rogue authorization server, and the MCP server. */
export interface WorkloadEnv {
  mcpUrl: string
  as: WorkloadAs
  rogue: WorkloadAs
  /** A workload JWT from the platform; `aud` defaults to the honest AS, `exp` to +5 min. */
  mint(claims?: { aud?: string; expiresIn?: string }): Promise<string>
  /** The resource metadata names the rogue AS from now on. */
  pointAtRogue(): void
  close(): Promise<void>
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
}

/** Starts everything on loopback. */
export async function startWorkloadEnv(): Promise<WorkloadEnv> {
  const platform = await generateKeyPair('ES256')
  const tokens = new Set<string>()
  const servers: Server[] = []
  const honest = await startAs(platform.publicKey, tokens, servers)
  const rogue = await startAs(platform.publicKey, tokens, servers)
  const mcp = createServer()
  servers.push(mcp)
  const mcpUrl = `${await listen(mcp)}/mcp`
  let named = honest.issuer
  mcp.on('request', (req, res) => {
    void handleMcp(req, res, { mcpUrl, issuer: named, tokens }).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  return {
    mcpUrl,
    as: honest,
    rogue,
    mint: (claims = {}) =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(PLATFORM)
        .setSubject('system:serviceaccount:agents:reporter')
        .setAudience(claims.aud ?? honest.issuer)
        .setIssuedAt()
        .setExpirationTime(claims.expiresIn ?? '5m')
        .sign(platform.privateKey),
    pointAtRogue: () => {
      named = rogue.issuer
    },
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections()
        await new Promise<void>((resolve) =>
          server.close(() => {
            resolve()
          }),
        )
      }
    },
  }
}

async function startAs(
  key: PublicKey,
  tokens: Set<string>,
  servers: Server[],
): Promise<WorkloadAs> {
  const server = createServer()
  servers.push(server)
  const issuer = await listen(server)
  const usedJtis = new Set<string>()
  const issued = new Set<string>()
  const as: WorkloadAs = {
    issuer,
    tokenRequests: [],
    metadataRequests: 0,
    revokeAll: () => {
      for (const token of issued) tokens.delete(token)
    },
  }
  server.on('request', (req, res) => {
    void (async () => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        as.metadataRequests++
        json(res, 200, {
          issuer,
          token_endpoint: `${issuer}/token`,
          grant_types_supported: [JWT_BEARER],
          token_endpoint_auth_methods_supported: ['none'],
        })
        return
      }
      if (req.url !== '/token' || req.method !== 'POST') {
        json(res, 404, {})
        return
      }
      const form = new URLSearchParams(await text(req))
      const seen = {
        grantType: form.get('grant_type') ?? '',
        clientId: form.get('client_id') ?? '',
        resource: form.get('resource') ?? '',
      }
      as.tokenRequests.push(seen)
      if (seen.grantType !== JWT_BEARER) {
        json(res, 400, { error: 'unsupported_grant_type' })
        return
      }
      // RFC 7523 §3: signed by the trusted issuer, for this AS, unexpired, used once.
      const verified = await jwtVerify(form.get('assertion') ?? '', key, {
        issuer: PLATFORM,
        audience: issuer,
      }).catch(() => undefined)
      const jti = verified?.payload.jti
      if (jti === undefined || usedJtis.has(jti)) {
        json(res, 400, { error: 'invalid_grant' })
        return
      }
      usedJtis.add(jti)
      as.tokenRequests[as.tokenRequests.length - 1] = { ...seen, jti }
      const token = randomBytes(24).toString('base64url')
      tokens.add(token)
      issued.add(token)
      json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 300 })
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  return as
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: { mcpUrl: string; issuer: string; tokens: Set<string> },
): Promise<void> {
  const prmUrl = `${new URL(ctx.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`
  if (req.url === '/.well-known/oauth-protected-resource/mcp') {
    json(res, 200, { resource: ctx.mcpUrl, authorization_servers: [ctx.issuer] })
    return
  }
  if (req.url !== '/mcp') {
    json(res, 404, {})
    return
  }
  const raw = await text(req)
  const [scheme, token] = (req.headers.authorization ?? '').split(' ')
  if (scheme !== 'Bearer' || token === undefined || !ctx.tokens.has(token)) {
    res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${prmUrl}"` }).end()
    return
  }
  const server = new McpServer({ name: 'workload-mcp', version: '0' })
  server.registerTool('report', { description: 'a machine task' }, () => ({
    content: [{ type: 'text', text: 'report filed' }],
  }))
  const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined })
  await server.connect(transport)
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await transport.handleRequest(req, res, raw === '' ? undefined : (JSON.parse(raw) as unknown))
}
