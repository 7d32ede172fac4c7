// A real OAuth/OpenID provider for vault tests: node-oidc-provider on 127.0.0.1:0, with refresh
// token rotation, RFC 7009 revocation, an auto-approving interaction, and counters of what the
// token endpoint saw (refresh requests, refresh tokens presented, reuse).
import { randomBytes, randomInt } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { OAuthProviderDefinition } from '@mandate/vault'

interface KoaContext {
  path: string
  method: string
  status: number
  body: unknown
  oidc?: { params?: Record<string, unknown> }
}
interface OidcProvider {
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void
  on(event: string, listener: (...args: unknown[]) => void): void
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ params: Record<string, string>; prompt: { name: string } }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
  Grant: new (init: { accountId: string; clientId: string }) => {
    addOIDCScope(scope: string): void
    save(): Promise<string>
  }
}
// Imported by name so that TypeScript does not look for its (absent) type declarations.
const OIDC_PROVIDER: string = 'oidc-provider'
type ProviderConstructor = new (issuer: string, configuration: unknown) => OidcProvider

export interface TestProviderOptions {
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtl?: number
  /** Rotate refresh tokens on every use. Default true. */
  rotate?: boolean
  /** The account id at the provider for the next authorization. */
  accountId?: string
  redirectUri?: string
  /** Offer DPoP (RFC 9449) and require its server nonce. */
  dpop?: boolean
}

export interface TestProvider {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  /** Refresh-token grant requests received (successful or not). */
  refreshRequests: number
  /** Every POST to the token endpoint, including those answered with an outage. */
  tokenRequests: number
  /** How many times a refresh token value was presented again after a first use. */
  reusedRefreshTokens: number
  /** Every token and code value the provider issued (to scan storage and logs for). */
  readonly issued: Set<string>
  /** Answer the token endpoint with 503 while true (an outage). */
  failing: boolean
  /** Delay the token endpoint by up to this many ms (random), to widen race windows. */
  delayMs: number
  accountId: string
  definition(overrides?: Partial<OAuthProviderDefinition>): OAuthProviderDefinition
  close(): Promise<void>
}

export async function startTestProvider(options: TestProviderOptions = {}): Promise<TestProvider> {
  const { default: Provider } = (await import(OIDC_PROVIDER)) as {
    default: ProviderConstructor
  }
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const clientId = 'vault-test'
  const clientSecret = randomBytes(24).toString('base64url')
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:1/connect/callback'
  const seen = new Set<string>()
  const state: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    redirectUri,
    refreshRequests: 0,
    tokenRequests: 0,
    reusedRefreshTokens: 0,
    issued: new Set(),
    failing: false,
    delayMs: 0,
    accountId: options.accountId ?? 'provider-user-1',
    definition: (overrides = {}) => ({
      id: 'demo',
      kind: 'oidc',
      display_name: 'Demo Calendar',
      issuer,
      discovery: true,
      scope_separator: ' ',
      default_scopes: ['openid', 'offline_access'],
      authorization_params: { prompt: 'consent' },
      pkce: 'required',
      token_endpoint_auth_method: 'client_secret_post',
      refresh: 'rotating',
      revocation: 'rfc7009',
      allow_loopback_http: true,
      ...overrides,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: ['openid', 'offline_access', 'calendar.read', 'calendar.write'],
    claims: { openid: ['sub'] },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      dPoP:
        options.dpop === true
          ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true }
          : { enabled: false },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 86400,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
    },
    rotateRefreshToken: options.rotate ?? true,
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  })
  provider.use(async (ctx, next) => {
    if (ctx.path === '/token' && ctx.method === 'POST') {
      state.tokenRequests += 1
      if (state.delayMs > 0) await sleep(randomInt(state.delayMs + 1))
      if (state.failing) {
        ctx.status = 503
        ctx.body = { error: 'temporarily_unavailable' }
        return
      }
    }
    await next()
    const params = ctx.oidc?.params
    if (ctx.path === '/token' && params?.['grant_type'] === 'refresh_token') {
      state.refreshRequests += 1
      const presented = params['refresh_token']
      if (typeof presented === 'string') {
        if (seen.has(presented)) state.reusedRefreshTokens += 1
        seen.add(presented)
      }
    }
  })
  for (const event of ['access_token.saved', 'refresh_token.saved', 'authorization_code.saved']) {
    provider.on(event, (token) => {
      const { jti } = token as { jti?: string }
      if (jti !== undefined) state.issued.add(jti)
    })
  }
  const handle = provider.callback()
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/') === true) {
      approve(provider, req, res, clientId, () => state.accountId).catch(() => {
        res.statusCode = 500
        res.end()
      })
      return
    }
    handle(req, res)
  })
  return state
}

async function approve(
  provider: OidcProvider,
  req: IncomingMessage,
  res: ServerResponse,
  clientId: string,
  accountId: () => string,
): Promise<void> {
  const details = await provider.interactionDetails(req, res)
  const grant = new provider.Grant({ accountId: accountId(), clientId })
  grant.addOIDCScope(details.params['scope'] ?? 'openid')
  const grantId = await grant.save()
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: accountId() }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  )
}

/**
 * Follows the browser's redirects from an authorization URL through the (auto-approving)
 * provider until it reaches the redirect URI; returns that callback URL.
 */
export async function authorizeInBrowser(url: URL, redirectUri: string): Promise<URL> {
  const cookies = new Map<string, string>()
  let next = url.href
  for (let hops = 0; hops < 20; hops += 1) {
    if (next.startsWith(redirectUri)) return new URL(next)
    const response = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    })
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const index = pair.indexOf('=')
      cookies.set(pair.slice(0, index), pair.slice(index + 1))
    }
    const location = response.headers.get('location')
    if (location === null)
      throw new Error(`authorization stopped with HTTP ${String(response.status)}`)
    next = new URL(location, next).href
  }
  throw new Error('too many redirects')
}
