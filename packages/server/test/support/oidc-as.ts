// An independent authorization server for tests: a real oidc-provider on 127.0.0.1:0, with
// resource indicators (RFC 8707) minting RFC 9068 JWT access tokens, DCR, PKCE, DPoP,
// introspection and revocation. Interactions (login, consent) are approved by code so that
// tests can run the full authorization-code flow over HTTP without a browser.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair } from 'jose'
import Provider from 'oidc-provider'
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'

export interface TestAuthorizationServer {
  issuer: string
  provider: Provider
  /** The user the next login signs in, and how strongly. */
  user: { sub: string; acr: 'pwd' | 'mfa' }
  /**
   * Follows an authorization URL through login and consent, as the user's browser would, and
   * returns the redirect back to the client (with `code`, `state`, `iss`).
   */
  authorize(url: URL | string): Promise<URL>
  close(): Promise<void>
}

export interface TestAuthorizationServerOptions {
  /** Resources (canonical URIs) the AS mints tokens for, with the scopes each accepts. Read lazily. */
  resources: Record<string, string>
  /** Every resource scope the AS knows. */
  scopes: string[]
  /** `jwt` (default) or `opaque` access tokens. */
  accessTokenFormat?: 'jwt' | 'opaque'
  accessTokenTtl?: number
  /** Static clients (e.g. the resource server's introspection credentials). */
  clients?: Record<string, unknown>[]
}

export async function startTestAuthorizationServer(
  options: TestAuthorizationServerOptions,
): Promise<TestAuthorizationServer> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: 'test-es256',
    alg: 'ES256',
    use: 'sig',
  }
  const { privateKey: rsaKey } = await generateKeyPair('RS256', { extractable: true })
  const rsaJwk = { ...(await exportJWK(rsaKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' }
  const user = { sub: 'alice', acr: 'pwd' as 'pwd' | 'mfa' }

  const configuration: Configuration = {
    jwks: { keys: [signingKey, rsaJwk] as never },
    clients: (options.clients ?? []) as never,
    scopes: ['openid', 'offline_access', ...options.scopes],
    acrValues: ['pwd', 'mfa'],
    claims: { openid: ['sub'] },
    findAccount: (_ctx, id) => Promise.resolve({ accountId: id, claims: () => ({ sub: id }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      introspection: { enabled: true, allowedPolicy: () => Promise.resolve(true) },
      revocation: { enabled: true, allowedPolicy: () => Promise.resolve(true) },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? Object.keys(options.resources)[0] ?? '',
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const scope = options.resources[indicator]
          if (scope === undefined) throw new Error('unknown resource')
          return {
            scope,
            audience: indicator,
            accessTokenTTL: options.accessTokenTtl ?? 300,
            accessTokenFormat: options.accessTokenFormat ?? 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }
        },
      },
    },
    extraTokenClaims: (ctx: KoaContextWithOIDC) => {
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken
      if (source === undefined) return Promise.resolve(undefined)
      return Promise.resolve({ acr: source.acr, amr: source.amr, auth_time: source.authTime })
    },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 300,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
      ClientCredentials: 300,
    },
  }
  let provider: Provider
  try {
    provider = new Provider(issuer, configuration)
  } catch (error) {
    server.close()
    throw error
  }

  provider.on('server_error', () => undefined)
  const callback = provider.callback()
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const match = /^\/interaction\/([^/]+)$/.exec(url.pathname)
    if (url.pathname === '/reg' && req.method === 'POST') {
      // oidc-provider limits a client to the scopes it registered, and MCP clients register the
      // first challenged scope only; drop the limit so step-up to more scopes works.
      void (async () => {
        const chunks: Buffer[] = []
        for await (const chunk of req) chunks.push(chunk as Buffer)
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
        delete body['scope']
        Object.assign(req, { body })
        void callback(req, res)
      })()
      return
    }
    if (match === null) {
      void callback(req, res)
      return
    }
    void (async () => {
      const details = await provider.interactionDetails(req, res)
      const { prompt, params, session, grantId } = details
      if (prompt.name === 'login') {
        await provider.interactionFinished(
          req,
          res,
          {
            login: {
              accountId: user.sub,
              acr: user.acr,
              amr: user.acr === 'mfa' ? ['pwd', 'otp'] : ['pwd'],
            },
          },
          { mergeWithLastSubmission: false },
        )
        return
      }
      const grant =
        grantId === undefined
          ? new provider.Grant({
              accountId: session?.accountId ?? user.sub,
              clientId: String(params['client_id']),
            })
          : ((await provider.Grant.find(grantId)) ?? new provider.Grant())
      const missingScope = prompt.details['missingOIDCScope'] as string[] | undefined
      if (missingScope !== undefined) grant.addOIDCScope(missingScope.join(' '))
      const missingResource = prompt.details['missingResourceScopes'] as
        Record<string, string[]> | undefined
      for (const [indicator, scopes] of Object.entries(missingResource ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '))
      }
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        {
          mergeWithLastSubmission: true,
        },
      )
    })().catch(() => {
      res.statusCode = 500
      res.end()
    })
  })

  return {
    issuer,
    provider,
    user,
    async authorize(start) {
      const jar = new Map<string, string>()
      let url = new URL(start)
      for (let hop = 0; hop < 12; hop++) {
        const response = await fetch(url, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        })
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';')
          const eq = pair.indexOf('=')
          jar.set(pair.slice(0, eq), pair.slice(eq + 1))
        }
        await response.body?.cancel()
        const location = response.headers.get('location')
        if (location === null)
          throw new Error(`authorization stopped with status ${String(response.status)}`)
        url = new URL(location, url)
        if (url.origin !== issuer) return url
      }
      throw new Error('too many redirects')
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
