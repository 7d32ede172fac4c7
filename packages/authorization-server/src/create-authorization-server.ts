import { Hono } from 'hono'
import type { Context } from 'hono'
import { getRequestListener } from '@hono/node-server'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { silentLogger } from '@mandate/core'
import type { AuditEvent } from '@mandate/core'
import { getMeta, setMetaIfAbsent } from '@mandate/store'
import { extendClientLifetime, purgeExpiredRecords } from './adapter/store-adapter.ts'
import { KEYS_CHANNEL, loadSigningKeys, rotateSigningKey } from './keys/signing-keys.ts'
import type { RotateSigningKeyOptions } from './keys/signing-keys.ts'
import { seal, unseal } from './lib/seal.ts'
import { buildProvider, dcrTtlMs, newSecret } from './provider/build-provider.ts'
import { assertNoReservedClient } from './provider/account-client.ts'
import type { DistributiveOmit, ProviderContext } from './provider/build-provider.ts'
import { attachAuditListeners } from './provider/audit-listeners.ts'
import { interactionRoutes } from './interactions/interaction-routes.ts'
import { accountRoutes } from './interactions/account-routes.ts'
import { upstreamLogin } from './interactions/upstream-login.ts'
import { registerTokenExchange } from './token-exchange/token-exchange-grant.ts'
import { dcrRateLimit } from './provider/dcr-rate-limit.ts'
import { jwtTokenAlias } from './provider/jwt-token-alias.ts'
import { Users } from './users/users.ts'
import type { AuthorizationServerOptions } from './options.ts'
import { AuthorizationServerError } from './errors.ts'

type Env = { Bindings: HttpBindings }

export interface AuthorizationServer {
  /** The issuer (public URL). */
  readonly issuer: string
  /**
   * A Hono app with every route of the authorization server. Mount it at the root of an app
   * served by `@hono/node-server` (`app.route('/', server.app)`): protocol routes are handed
   * to oidc-provider on the raw Node request, which needs `c.env.incoming/outgoing`.
   */
  readonly app: Hono<Env>
  /** Path prefixes the app owns (for the host's routing and docs). */
  readonly paths: readonly string[]
  /** The same routes as a plain Node `(req, res)` handler. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
  /** Operator functions behind `mandate users …`. */
  readonly users: Users
  /** The oidc-provider instance currently serving (replaced when signing keys change). */
  provider(): Provider
  /** Starts a signing-key rotation on every instance (catalogue #82). Returns the new `kid`. */
  rotateSigningKey(options?: RotateSigningKeyOptions): Promise<string>
  /** Revokes a grant and every token issued under it. */
  revokeGrant(grantId: string): Promise<void>
  close(): Promise<void>
}

/** Builds the authorization server on the given store (migrations must have been applied). */
export async function createAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const issuerUrl = URL.parse(options.issuer)
  if (
    issuerUrl === null ||
    issuerUrl.search !== '' ||
    issuerUrl.hash !== '' ||
    options.issuer.endsWith('/')
  ) {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'issuer must be an absolute URL without query, fragment or trailing slash',
    )
  }
  if (issuerUrl.pathname !== '/' && issuerUrl.pathname !== '') {
    throw new AuthorizationServerError(
      'ERR_AS_CONFIG',
      'issuer must not have a path (serve the authorization server at the root of its origin)',
    )
  }
  for (const resource of Object.keys(options.resources)) {
    const url = URL.parse(resource)
    if (url === null || url.hash !== '' || !['https:', 'http:'].includes(url.protocol)) {
      throw new AuthorizationServerError(
        'ERR_AS_CONFIG',
        'each resource must be an absolute http(s) URL without fragment',
      )
    }
  }
  assertNoReservedClient(options.clients ?? [])
  const { store } = options
  const logger = (options.logger ?? silentLogger).child({ component: 'authorization-server' })
  const users = new Users(store, options.keyRing)
  const cookieSecret = await installationSecret(options, 'as.cookie-secret')
  const dpopNonceSecret = Buffer.from(
    await installationSecret(options, 'as.dpop-nonce-secret'),
    'base64url',
  )

  const emit = (event: DistributiveOmit<AuditEvent, 'time' | 'issuer'>): void => {
    if (options.audit === undefined) return
    const full: AuditEvent = { ...event, time: new Date().toISOString(), issuer: options.issuer }
    Promise.resolve(options.audit(full)).catch((error: unknown) => {
      logger.error('audit sink failed', {
        type: event.type,
        error: error instanceof Error ? error.message : 'unknown',
      })
    })
  }

  let current: Provider
  // Koa's callback() composes the middleware stack on every call: build it once per provider.
  let currentCallback: ReturnType<Provider['callback']>
  let reloadTimer: NodeJS.Timeout | undefined
  const build = async (): Promise<void> => {
    const keySet = await loadSigningKeys(store, options.keyRing)
    const context: ProviderContext = {
      options,
      store,
      logger,
      users,
      cookieSecret,
      dpopNonceSecret,
      keys: keySet.keys,
      emit,
    }
    const provider = buildProvider(context)
    registerTokenExchange(provider, options, store, keySet.keys, emit)
    attachAuditListeners(provider, emit, logger)
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      const clientId = ctx.oidc.client?.clientId
      if (clientId?.startsWith('dcr_') === true) {
        extendClientLifetime(store, clientId, dcrTtlMs(options)).catch(() => undefined)
      }
    })
    provider.use(dcrRateLimit(store, options))
    provider.use(jwtTokenAlias())
    current = provider
    currentCallback = provider.callback()
    if (reloadTimer !== undefined) clearTimeout(reloadTimer)
    if (keySet.nextChangeAt !== undefined) {
      reloadTimer = setTimeout(
        () => {
          void reload()
        },
        Math.min(keySet.nextChangeAt - Date.now() + 50, 2 ** 31 - 1),
      )
      reloadTimer.unref()
    }
  }
  const reload = async (): Promise<void> => {
    try {
      await build()
      logger.info('signing keys reloaded')
    } catch (error) {
      logger.error('signing key reload failed', {
        error: error instanceof Error ? error.message : 'unknown',
      })
    }
  }
  await build()
  const unsubscribe = store.subscribe(KEYS_CHANNEL, () => {
    void reload()
  })
  const unresubscribe = store.onResubscribe(() => {
    void reload()
  })
  const purge = setInterval(() => {
    purgeExpiredRecords(store).catch(() => undefined)
  }, 10 * 60_000)
  purge.unref()

  const forward = (c: Context<Env>, path?: string): Promise<Response> => {
    const { incoming, outgoing } = c.env
    if (path !== undefined) incoming.url = path
    return new Promise((resolve) => {
      outgoing.once('close', () => {
        resolve(RESPONSE_ALREADY_SENT)
      })
      void currentCallback(incoming, outgoing)
    })
  }

  const app = new Hono<Env>()
  app.use('*', async (c, next) => {
    // Clickjacking (RFC 9700 §4.16, catalogue #16): no page of ours may be framed.
    c.env.outgoing.setHeader(
      'Content-Security-Policy',
      "frame-ancestors 'none'; default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; base-uri 'none'",
    )
    c.env.outgoing.setHeader('X-Frame-Options', 'DENY')
    c.env.outgoing.setHeader('Referrer-Policy', 'no-referrer')
    c.env.outgoing.setHeader('X-Content-Type-Options', 'nosniff')
    await next()
  })
  const upstream =
    options.upstream === undefined ? undefined : upstreamLogin(options, users, cookieSecret, emit)
  app.route(
    '/oauth/interaction',
    interactionRoutes({
      provider: () => current,
      users,
      options,
      secret: cookieSecret,
      emit,
      ...(upstream === undefined ? {} : { upstreamStart: upstream.start }),
    }),
  )
  if (upstream !== undefined) app.route('/oauth/upstream', upstream.routes)
  app.route(
    '/account',
    accountRoutes({
      provider: () => current,
      users,
      secret: cookieSecret,
      emit,
      store,
      issuer: options.issuer,
    }),
  )
  // RFC 8414 §3 and OpenID Discovery serve the same document (consistent by construction).
  app.get('/.well-known/oauth-authorization-server', (c) =>
    forward(c, '/.well-known/openid-configuration'),
  )
  app.all('/.well-known/openid-configuration', (c) => forward(c))
  app.all('/oauth/*', (c) => forward(c))

  const listener = getRequestListener(app.fetch)
  const server: AuthorizationServer = {
    issuer: options.issuer,
    app,
    paths: [
      '/oauth/',
      '/account',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ],
    handler: (req, res) => {
      void listener(req, res)
    },
    users,
    provider: () => current,
    rotateSigningKey: (rotation) => rotateSigningKey(store, options.keyRing, rotation),
    revokeGrant: async (grantId) => {
      await revokeGrantEverywhere(current, grantId)
    },
    close: () => {
      unsubscribe()
      unresubscribe()
      clearInterval(purge)
      if (reloadTimer !== undefined) clearTimeout(reloadTimer)
      return Promise.resolve()
    },
  }
  return server
}

/** Deletes the grant and every code and token under it (all models share the adapter). */
export async function revokeGrantEverywhere(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    provider.AccessToken.adapter.revokeByGrantId(grantId),
    provider.RefreshToken.adapter.revokeByGrantId(grantId),
    provider.AuthorizationCode.adapter.revokeByGrantId(grantId),
    provider.Grant.adapter.destroy(grantId),
  ])
}

async function installationSecret(
  options: AuthorizationServerOptions,
  name: string,
): Promise<string> {
  const existing = await getMeta(options.store, name)
  const stored =
    existing ??
    (await setMetaIfAbsent(
      options.store,
      name,
      seal(options.keyRing, newSecret(), `mandate:${name}`),
    ))
  return unseal(options.keyRing, stored, `mandate:${name}`)
}
