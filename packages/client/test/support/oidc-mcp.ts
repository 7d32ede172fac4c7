// A real oidc-provider (DCR, PKCE, resource indicators → JWT access tokens, DPoP with nonces,
// refresh rotation) and a real SDK v2 MCP server that verifies those tokens (audience, DPoP
// proof bound to cnf.jkt) and demands `mcp:write` for the `write` tool. Both on 127.0.0.1:0.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { McpServer } from '@modelcontextprotocol/server'
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { calculateJwkThumbprint, createRemoteJWKSet, EmbeddedJWK, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import Provider from 'oidc-provider'

import type { Authorizer } from '@mandate/client'

export interface OidcMcp {
  issuer: string
  mcpUrl: string
  /** Grant types seen at the token endpoint, in order. */
  grants: string[]
  /** Authorization requests seen (their query). */
  authorizations: URLSearchParams[]
  close(): Promise<void>
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** `stdioResources`: extra resource indicators (local stdio servers) that get JWT access tokens. */
export async function startOidcMcp(stdioResources: readonly string[] = []): Promise<OidcMcp> {
  const grants: string[] = []
  const authorizations: URLSearchParams[] = []
  const asServer = createServer()
  const asPort = await listen(asServer)
  const issuer = `http://127.0.0.1:${asPort}`
  const mcpServer = createServer()
  const mcpPort = await listen(mcpServer)
  const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`

  const provider = new Provider(issuer, {
    clients: [],
    clientDefaults: { id_token_signed_response_alg: 'ES256', grant_types: ['authorization_code'] },
    scopes: ['openid', 'offline_access', 'mcp:read', 'mcp:write'],
    acrValues: ['urn:mandate:mfa'],
    features: {
      registration: { enabled: true },
      devInteractions: { enabled: true },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => mcpUrl,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== mcpUrl && !stdioResources.includes(indicator))
            throw new Error('unknown resource')
          return {
            scope: 'mcp:read mcp:write',
            audience: indicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'ES256' } },
          }
        },
      },
    },
    jwks: { keys: [await signingKey()] },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    findAccount: (_ctx, id) => Promise.resolve({ accountId: id, claims: () => ({ sub: id }) }),
  })
  provider.on('grant.success', (ctx) => {
    const body = ctx.oidc.params as { grant_type?: string } | undefined
    grants.push(body?.grant_type ?? 'unknown')
  })
  provider.on('authorization.accepted', (ctx) => {
    const raw = ctx.oidc.params as Record<string, unknown>
    const params = new URLSearchParams()
    for (const name of ['acr_values', 'max_age', 'scope', 'resource']) {
      const value = raw[name]
      if (typeof value === 'string' || typeof value === 'number') params.set(name, String(value))
    }
    params.set('accepted_at', String(Math.floor(Date.now() / 1000)))
    authorizations.push(params)
  })
  const callback = provider.callback()
  asServer.on('request', (req, res) => {
    void callback(req, res)
  })

  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`))
  // When an authorization request asked for a fresh MFA sign-in (RFC 9470), in seconds.
  const stepUpSince = (): number | undefined => {
    const found = authorizations.findLast((a) => a.get('acr_values') === 'urn:mandate:mfa')
    return found === undefined ? undefined : Number(found.get('accepted_at'))
  }
  mcpServer.on('request', (req, res) => {
    void handleMcp(req, res, { issuer, mcpUrl, mcpPort, jwks, stepUpSince }).catch(() => {
      if (!res.headersSent) res.writeHead(500).end()
    })
  })

  return {
    issuer,
    mcpUrl,
    grants,
    authorizations,
    close: async () => {
      for (const server of [mcpServer, asServer]) {
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

async function signingKey(): Promise<Record<string, unknown>> {
  const { generateKeyPair, exportJWK } = await import('jose')
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  return { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'k1' }
}

interface McpContext {
  issuer: string
  mcpUrl: string
  mcpPort: number
  jwks: ReturnType<typeof createRemoteJWKSet>
  stepUpSince: () => number | undefined
}

async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: McpContext,
): Promise<void> {
  const prmUrl = `http://127.0.0.1:${ctx.mcpPort}/.well-known/oauth-protected-resource/mcp`
  if (req.url === '/.well-known/oauth-protected-resource/mcp') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        resource: ctx.mcpUrl,
        authorization_servers: [ctx.issuer],
        scopes_supported: ['mcp:read'],
        dpop_bound_access_tokens_required: true,
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

  const claims = await verifyRequest(req, ctx).catch(() => undefined)
  if (claims === undefined) {
    res
      .writeHead(401, {
        'www-authenticate': `DPoP resource_metadata="${prmUrl}", scope="mcp:read"`,
      })
      .end()
    return
  }
  const scopes = new Set((typeof claims['scope'] === 'string' ? claims['scope'] : '').split(' '))
  const call = body as { method?: string; params?: { name?: string } } | undefined
  if (call?.method === 'tools/call' && call.params?.name === 'write' && !scopes.has('mcp:write')) {
    res.writeHead(403, {
      'www-authenticate': `DPoP error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="${prmUrl}"`,
    })
    res.end()
    return
  }
  // `admin` needs a token from an authorization that demanded a fresh MFA sign-in (RFC 9470 §3).
  const since = ctx.stepUpSince()
  if (
    call?.method === 'tools/call' &&
    call.params?.name === 'admin' &&
    (since === undefined || (claims.iat ?? 0) < since)
  ) {
    res.writeHead(401, {
      'www-authenticate': `DPoP error="insufficient_user_authentication", acr_values="urn:mandate:mfa", max_age="0", resource_metadata="${prmUrl}"`,
    })
    res.end()
    return
  }
  const server = new McpServer({ name: 'oidc-mcp', version: '0' })
  server.registerTool('read', { description: 'reads' }, () => ({
    content: [{ type: 'text', text: `read by ${String(claims.sub)}` }],
  }))
  server.registerTool('write', { description: 'writes' }, () => ({
    content: [{ type: 'text', text: 'written' }],
  }))
  server.registerTool('admin', { description: 'needs MFA' }, () => ({
    content: [{ type: 'text', text: 'admin done' }],
  }))
  const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined })
  await server.connect(transport)
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await transport.handleRequest(req, res, body)
}

/** RFC 9068 access token for this audience, DPoP-bound (RFC 9449 §7): proof key = cnf.jkt. */
async function verifyRequest(req: IncomingMessage, ctx: McpContext): Promise<JWTPayload> {
  const [scheme, token] = (req.headers.authorization ?? '').split(' ')
  if (scheme !== 'DPoP' || token === undefined) throw new Error('not dpop')
  const { payload } = await jwtVerify(token, ctx.jwks, { issuer: ctx.issuer, audience: ctx.mcpUrl })
  const proof = req.headers.dpop
  if (typeof proof !== 'string') throw new Error('no proof')
  const { payload: p, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
    typ: 'dpop+jwt',
    maxTokenAge: 60,
  })
  const jkt = await calculateJwkThumbprint(protectedHeader.jwk ?? {}, 'sha256')
  const cnf = payload['cnf'] as { jkt?: string } | undefined
  const ath = Buffer.from(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)),
  ).toString('base64url')
  if (cnf?.jkt !== jkt || p['htm'] !== req.method || p['htu'] !== ctx.mcpUrl || p['ath'] !== ath) {
    throw new Error('proof mismatch')
  }
  return payload
}

/**
 * The person at the browser, played over HTTP: follows redirects with a cookie jar, signs in as
 * `login` on the dev interaction page and consents, until the AS redirects to our redirect URI.
 */
export function headlessOidcUser(
  redirectUrl: string,
  login = 'alice',
): Authorizer & { opened: URL[] } {
  const opened: URL[] = []
  return {
    redirectUrl,
    opened,
    authorize: async ({ url }) => {
      opened.push(url)
      const jar = new Map<string, string>()
      let next: { url: URL; init?: RequestInit } = { url }
      for (let step = 0; step < 12; step++) {
        const response = await fetch(next.url, {
          ...next.init,
          redirect: 'manual',
          headers: { ...(next.init?.headers as Record<string, string>), cookie: cookieHeader(jar) },
        })
        for (const cookie of response.headers.getSetCookie()) {
          const [pair] = cookie.split(';')
          const [name, ...value] = (pair ?? '').split('=')
          if (name !== undefined) jar.set(name.trim(), value.join('='))
        }
        const location = response.headers.get('location')
        if (location !== null) {
          await response.body?.cancel()
          const target = new URL(location, next.url)
          if (target.href.startsWith(redirectUrl)) return target.searchParams
          next = { url: target }
          continue
        }
        const html = await response.text()
        const action = /action="([^"]+)"/.exec(html)?.[1]
        const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1]
        if (action === undefined || prompt === undefined)
          throw new Error(`unexpected page (${response.status})`)
        const form = new URLSearchParams({
          prompt,
          ...(prompt === 'login' ? { login, password: 'x' } : {}),
        })
        next = {
          url: new URL(action, next.url),
          init: {
            method: 'POST',
            body: form,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          },
        }
      }
      throw new Error('too many steps')
    },
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}
