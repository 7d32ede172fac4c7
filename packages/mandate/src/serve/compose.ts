import { accountSignInUrl, createAuthorizationServer, ROUTES } from '@mandate/authorization-server'
import type { AuthorizationServer } from '@mandate/authorization-server'
import type { DemoCalendarProvider } from '@mandate/example-notes-server'
import type { ProtectedMcpHandler } from '@mandate/server'
import { createLinking, oidcSessionResolver } from '@mandate/server/linking'
import type { Linking } from '@mandate/server/linking'
import { openVault } from '@mandate/vault'
import type { Vault } from '@mandate/vault'
import { openAuditTrail } from '../audit/open-audit-trail.ts'
import { auditRequestContext } from '../audit/request-context.ts'
import { mountGateway, registerGateway } from '../gateway/mount-gateway.ts'
import { gatewayReloader } from '../gateway/reload-gateway.ts'
import type { MandateConfig } from '../config/schema.ts'
import { createMetrics, metricsOptions, serveMetrics } from '../observability/metrics.ts'
import { observeVault } from '../observability/observe-vault.ts'
import { traceProviderFetch } from '../observability/trace-provider-fetch.ts'
import { traceRoutes } from '../observability/tracing.ts'
import { openLiveProviders } from '../providers/live-providers.ts'
import type { LiveProviders } from '../providers/live-providers.ts'
import { providerFetch } from '../providers/provider-fetch.ts'
import type { Runtime } from '../runtime/open-runtime.ts'
import { buildApp } from './app.ts'
import type { MandateApp } from './app.ts'
import { authorizationServerOptions } from './authorization-server-options.ts'
import type { ComposeContext } from './compose-context.ts'
import { mountDemoNotes, startDemoCalendar } from './demo-notes.ts'

/** Everything `mandate serve` runs behind one origin, built once the public URL is known. */
export interface Components {
  app: MandateApp
  authorizationServer: AuthorizationServer
  vault: Vault
  linking: Linking
  /**
   * SIGHUP: applies the gateway's upstreams and policies of `config` (fail safe, see
   * reload-gateway.ts); throws `ConfigurationError` and changes nothing when they are invalid.
   */
  reloadGateway(config: MandateConfig): Promise<void>
  /** Ends long-lived responses (notification streams) so that the HTTP server can drain. */
  drain(): void
  close(): Promise<void>
}

/**
 * Builds every component of `mandate serve` and mounts it on one Hono app, in named steps: the
 * audit trail, the demo provider, the vault, the authorization server (with the gateway's
 * registration), account linking, the app and its middleware, the demo notes server, the
 * gateway. When a step fails, what the earlier steps opened is closed again.
 *
 * @param publicUrl the origin clients use (the issuer)
 * @param listenUrl where this process listens, for calls to itself (the demo's JWKS fetch)
 */
export async function composeComponents(
  runtime: Runtime,
  publicUrl: URL,
  listenUrl: URL,
): Promise<Components> {
  const { config, logger, store } = runtime
  // One audit pipeline: stored, hash-chained, fail-closed (docs/audit.md).
  const metrics = config.metrics.enabled ? createMetrics() : undefined
  const trail = await openAuditTrail(config, store, runtime.keys, logger, metrics)
  // The trail closes last: it stores what every other component audited while closing.
  const closers: (() => Promise<void>)[] = [() => trail.close()]
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  const context: ComposeContext = {
    runtime,
    publicUrl,
    listenUrl,
    issuer: publicUrl.origin,
    demoResource: new URL('/mcp', publicUrl).href,
    metrics,
    trail,
    audit: (event) => {
      trail.emit({ ...event })
    },
    onClose: (closer) => closers.push(closer),
  }
  try {
    const { calendar, vault, providers } = await openServeVault(context)
    // The gateway (docs/gateway.md): a resource, a confidential client, a token-exchange policy.
    // /account lists linking's accounts and requests once it is open (it needs the server).
    const links: { opened?: Linking } = {}
    const asOptions = authorizationServerOptions(
      runtime,
      vault,
      context.issuer,
      context.audit,
      config.demo.enabled ? context.demoResource : undefined,
      () => links.opened,
      () => providers.reload(),
    )
    const gatewaySetup = registerGateway(config, publicUrl, asOptions)
    const authorizationServer = await createAuthorizationServer(asOptions)
    context.onClose(() => authorizationServer.close())
    const linking = await openLinking(context, vault, authorizationServer)
    links.opened = linking
    const app = await buildServeApp(context, authorizationServer, linking)
    const notes: ProtectedMcpHandler | undefined =
      calendar === undefined
        ? undefined
        : mountDemoNotes(context, app, linking, calendar, providers.definitions())
    const gateway =
      gatewaySetup === undefined
        ? undefined
        : await mountGateway(app, gatewaySetup, {
            config,
            issuer: context.issuer,
            publicUrl,
            listenUrl,
            store,
            linking,
            logger,
            audit: context.audit,
            sessions: () => authorizationServer.provider(),
          })
    if (gateway !== undefined) context.onClose(() => gateway.close())
    const drain = () => {
      notes?.endStreams()
      gateway?.endStreams()
    }
    const reloadGateway = gatewayReloader(gateway, gatewaySetup)
    return { app, authorizationServer, vault, linking, reloadGateway, drain, close }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * The Demo Calendar (when the demo is on) and the vault, with the providers this installation
 * offers: the demo's, those of the configuration and those added with `mandate providers add`
 * or in the console, which reach the running catalog at once (docs/linking.md, "Providers while serving").
 */
async function openServeVault(context: ComposeContext): Promise<{
  calendar: DemoCalendarProvider | undefined
  vault: Vault
  providers: LiveProviders
}> {
  const { runtime } = context
  const calendar = await startDemoCalendar(context)
  const providers = await openLiveProviders({
    runtime,
    fixed: calendar === undefined ? [] : [calendar.definition],
    // Calls to providers go through the SSRF guard (catalogue #201); only loopback providers
    // that opt in (the demo's own), matched by exact origin, may be plain http on 127.0.0.1.
    fetchFor: (definitions) => traceProviderFetch(providerFetch(definitions), definitions),
    pollMs: runtime.store.kind === 'sqlite' ? 250 : 2_000,
  })
  context.onClose(() => {
    providers.close()
    return Promise.resolve()
  })
  const vault = await openVault({
    store: runtime.store,
    fetch: providers.fetch,
    keys: runtime.keyProvider,
    // Only offered providers: the linking pages list what this installation offers, and a
    // provider removed while serving gives no credential any more (fail closed).
    catalog: providers.catalog,
    logger: runtime.logger.child({ component: 'vault' }),
    audit: context.audit,
  })
  context.onClose(() => vault.close())
  if (calendar !== undefined) await vault.setProviderClient('demo-calendar', calendar.client)
  for (const [id, client] of providers.configClients) await vault.setProviderClient(id, client)
  return { calendar, vault, providers }
}

/** Account linking (`/connect`), for browsers signed in at this authorization server only. */
async function openLinking(
  context: ComposeContext,
  vault: Vault,
  authorizationServer: AuthorizationServer,
): Promise<Linking> {
  const { runtime, metrics, issuer } = context
  const linking = await createLinking({
    store: runtime.store,
    vault: metrics === undefined ? vault : observeVault(vault, metrics),
    baseUrl: issuer,
    serverName: 'Mandate notes (demo)',
    // The connect pages accept the browser's session at this authorization server only.
    signedInUser: oidcSessionResolver(() => authorizationServer.provider()),
    // ...and a signed-out browser signs in there and comes back to the link.
    signInUrl: (returnTo) => accountSignInUrl(issuer, returnTo),
    logger: runtime.logger.child({ component: 'linking' }),
    audit: (event) => {
      context.trail.emit({ ...event })
    },
  })
  context.onClose(() => {
    linking.close()
    return Promise.resolve()
  })
  return linking
}

/**
 * The Hono app with its middleware in order (metrics, the audit gate, tracing), the
 * authorization server at `/` and account linking at `/connect`.
 */
async function buildServeApp(
  context: ComposeContext,
  authorizationServer: AuthorizationServer,
  linking: Linking,
): Promise<MandateApp> {
  const { runtime, metrics, publicUrl, trail } = context
  const { config, logger, store } = runtime
  const app = buildApp({
    store,
    logger,
    publicUrl,
    trustProxy: config.authorizationServer.trustProxy,
    demoMcpUrl: config.demo.enabled ? context.demoResource : undefined,
  })
  // Metrics count every request, refused ones too; the audit gate refuses before any route.
  if (metrics !== undefined) {
    app.use(metrics.requests)
    const served = await serveMetrics(metrics, metricsOptions(config))
    context.onClose(() => served.close())
    logger.info('metrics listening', { url: served.url.href })
  }
  app.use(auditRequestContext(config.authorizationServer.trustProxy), trail.gate)
  app.use(traceRoutes({ token: ROUTES.token, mcp: config.demo.enabled ? '/mcp' : undefined }))
  app.route('/', authorizationServer.app)
  app.route('/connect', linking.routes)
  return app
}
