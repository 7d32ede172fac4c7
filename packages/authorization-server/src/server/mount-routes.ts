import { Hono } from 'hono'
import { ASSET_CACHE_CONTROL, PAGE_SECURITY_HEADERS, pageAsset } from '@mandate/core'
import { adminRoutes } from '../admin/admin-routes.ts'
import { accountRoutes } from '../interactions/account-routes.ts'
import { interactionRoutes } from '../interactions/interaction-routes.ts'
import { upstreamLogin } from '../interactions/upstream-login.ts'
import { formBodyLimit } from '../lib/form-body-limit.ts'
import { SECURITY_EVENTS_PATH, securityEventRoutes } from '../revocation/caep-receiver.ts'
import { REVOCATION_FEED_PATH, revocationFeedRoutes } from '../revocation/revocation-feed-route.ts'
import { forwardToProvider } from './forward-to-provider.ts'
import type { ServerEnv } from './forward-to-provider.ts'
import type { ProviderBase, ProviderRuntime } from './provider-runtime.ts'

/** What the routes are mounted with: the provider's parts and the runtime serving it. */
export interface RouteContext extends ProviderBase {
  readonly runtime: ProviderRuntime
  /** The upstream OpenID provider login, when `upstream` is configured. */
  readonly upstream: ReturnType<typeof upstreamLogin> | undefined
}

/** Mounts one group of routes (or middleware) on the server's app. */
export type RouteStep = (app: Hono<ServerEnv>, context: RouteContext) => void

/** Our pages and the protocol endpoints, in mounting order (middleware before routes). */
export const ROUTE_STEPS: readonly RouteStep[] = [
  pageSecurityHeaders,
  designAssets,
  formBodyLimits,
  interactionPages,
  upstreamCallback,
  securityEventReceiver,
  accountPages,
  adminConsole,
  revocationFeed,
  protocolEndpoints,
]

/** The app with every route of the authorization server ({@link ROUTE_STEPS}). */
export function authorizationServerApp(
  base: ProviderBase,
  runtime: ProviderRuntime,
): Hono<ServerEnv> {
  const { config, users, secrets, emit } = base
  const upstream =
    config.upstream === undefined
      ? undefined
      : upstreamLogin(config, users, secrets.cookieSecret, emit)
  const context: RouteContext = { ...base, runtime, upstream }
  const app = new Hono<ServerEnv>()
  for (const step of ROUTE_STEPS) step(app, context)
  return app
}

/**
 * Clickjacking (RFC 9700 §4.16, catalogue #16): no page of ours may be framed. One policy for
 * every page (docs/pages.md): no inline script or style at all.
 */
function pageSecurityHeaders(app: Hono<ServerEnv>): void {
  app.use('*', async (c, next) => {
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
      c.env.outgoing.setHeader(name, value)
    }
    await next()
  })
}

/** The design system's hashed stylesheet and script (content-addressed: cached for a year). */
function designAssets(app: Hono<ServerEnv>): void {
  app.get('/assets/:file', (c) => {
    const asset = pageAsset(c.req.path)
    if (asset === undefined) return c.notFound()
    c.header('Cache-Control', ASSET_CACHE_CONTROL)
    c.header('Content-Type', asset.type)
    return c.body(asset.body)
  })
}

/** Form posts to our pages are small: a larger body is refused before it is read. */
function formBodyLimits(app: Hono<ServerEnv>): void {
  for (const path of ['/oauth/interaction/*', '/account', '/account/*', '/admin', '/admin/*']) {
    app.use(path, formBodyLimit())
  }
}

/** Login, second factor and consent (oidc-provider's interactions). */
function interactionPages(app: Hono<ServerEnv>, context: RouteContext): void {
  const { config, users, secrets, emit, runtime, upstream } = context
  app.route(
    '/oauth/interaction',
    interactionRoutes({
      provider: () => runtime.provider,
      users,
      options: config,
      secret: secrets.cookieSecret,
      emit,
      ...(upstream === undefined ? {} : { upstreamStart: upstream.start }),
    }),
  )
}

/** The upstream OpenID provider's redirect back to us. */
function upstreamCallback(app: Hono<ServerEnv>, { upstream }: RouteContext): void {
  if (upstream !== undefined) app.route('/oauth/upstream', upstream.routes)
}

/** CAEP security events from the upstream IdP (Shared Signals Framework push). */
function securityEventReceiver(app: Hono<ServerEnv>, { config, emit }: RouteContext): void {
  if (config.upstream === undefined) return
  app.route(
    SECURITY_EVENTS_PATH,
    securityEventRoutes(
      { ...config, upstream: config.upstream },
      config.store,
      config.logger,
      emit,
    ),
  )
}

/** What the account pages and the operator console both need: sessions, users, the store. */
function pageDeps({ config, users, secrets, emit, runtime }: RouteContext) {
  return {
    provider: () => runtime.provider,
    users,
    secret: secrets.cookieSecret,
    emit,
    store: config.store,
    issuer: config.issuer,
    configuredClients: config.configuredClientIds,
    providers: config.adminProviders,
  }
}

/** The signed-in person's account pages. */
function accountPages(app: Hono<ServerEnv>, context: RouteContext): void {
  const { config } = context
  app.route(
    '/account',
    accountRoutes({
      ...pageDeps(context),
      ...(config.scopeDescriptions === undefined
        ? {}
        : { scopeDescriptions: config.scopeDescriptions }),
      ...(config.linkedAccounts === undefined ? {} : { linkedAccounts: config.linkedAccounts }),
      ...(config.pendingApprovals === undefined
        ? {}
        : { pendingApprovals: config.pendingApprovals }),
    }),
  )
}

/** The operator console. */
function adminConsole(app: Hono<ServerEnv>, context: RouteContext): void {
  app.route('/admin', adminRoutes(pageDeps(context)))
}

/** The signed revocation feed for resource servers outside the store (docs/revocation.md). */
function revocationFeed(app: Hono<ServerEnv>, { config, runtime }: RouteContext): void {
  app.route(
    REVOCATION_FEED_PATH,
    revocationFeedRoutes({
      options: config,
      store: config.store,
      signingKey: () => runtime.signingKey ?? {},
    }),
  )
}

/**
 * oidc-provider's endpoints and discovery. RFC 8414 §3 and OpenID Discovery serve the same
 * document (consistent by construction).
 */
function protocolEndpoints(app: Hono<ServerEnv>, { config, runtime }: RouteContext): void {
  const origin = config.issuerOrigin
  app.get('/.well-known/oauth-authorization-server', (c) =>
    forwardToProvider(c, runtime, origin, '/.well-known/openid-configuration'),
  )
  app.all('/.well-known/openid-configuration', (c) => forwardToProvider(c, runtime, origin))
  app.all('/oauth/*', (c) => forwardToProvider(c, runtime, origin))
}
