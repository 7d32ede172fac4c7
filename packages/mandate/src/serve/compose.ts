import { accountSignInUrl, createAuthorizationServer, ROUTES } from '@mandate/authorization-server'
import type { AuthorizationServer, AuthorizationServerOptions } from '@mandate/authorization-server'
import { createSsrfSafeFetch } from '@mandate/core'
import type { AuditEvent } from '@mandate/core'
import { calendarTodayTool, createNotesServer } from '@mandate/example-notes-server'
import {
  createLinking,
  mountOnHono,
  oidcSessionResolver,
  startDemoCalendarProvider,
} from '@mandate/server'
import type { DemoCalendarProvider, Linking, ProtectedMcpHandler } from '@mandate/server'
import { createProviderCatalog, openVault } from '@mandate/vault'
import type { Vault, VaultAuditEvent } from '@mandate/vault'
import type { Runtime } from '../runtime/open-runtime.ts'
import { buildApp } from './app.ts'
import type { MandateApp } from './app.ts'

/** Everything `mandate serve` runs behind one origin, built once the public URL is known. */
export interface Components {
  app: MandateApp
  authorizationServer: AuthorizationServer
  vault: Vault
  linking: Linking
  /** Ends long-lived responses (notification streams) so that the HTTP server can drain. */
  drain(): void
  close(): Promise<void>
}

/** The scopes of the demo notes server (examples/notes-server). */
const DEMO_SCOPES = ['notes:read', 'notes:write'] as const

/**
 * @param publicUrl the origin clients use (the issuer)
 * @param listenUrl where this process listens, for calls to itself (the demo's JWKS fetch)
 */
export async function composeComponents(
  runtime: Runtime,
  publicUrl: URL,
  listenUrl: URL,
): Promise<Components> {
  const { config, logger, store } = runtime
  const issuer = publicUrl.origin
  const audit = (event: AuditEvent | VaultAuditEvent) => {
    logger.info('audit', { event })
  }
  const demoResource = new URL('/mcp', publicUrl).href
  const closers: (() => Promise<void>)[] = []
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    const authorizationServer = await createAuthorizationServer(
      authorizationServerOptions(
        runtime,
        issuer,
        audit,
        config.demo.enabled ? demoResource : undefined,
      ),
    )
    closers.push(() => authorizationServer.close())

    // The demo's third-party provider ("Demo Calendar", a local oidc-provider on loopback).
    let calendar: DemoCalendarProvider | undefined
    if (config.demo.enabled) {
      calendar = await startDemoCalendarProvider({
        redirectUri: new URL('/connect/callback', publicUrl).href,
      })
      closers.push(() => calendar?.close() ?? Promise.resolve())
    }
    const vault = await openVault({
      store,
      // Calls to providers go through the SSRF guard (catalogue #201); only the demo's own
      // loopback provider, matched by exact origin, may be plain http on 127.0.0.1.
      fetch: providerFetch(calendar),
      keys: runtime.keyProvider,
      catalog: createProviderCatalog({
        presets: true,
        providers: calendar === undefined ? [] : [calendar.definition],
      }),
      logger: logger.child({ component: 'vault' }),
      audit,
    })
    closers.push(() => vault.close())
    if (calendar !== undefined) await vault.setProviderClient('demo-calendar', calendar.client)

    const linking = await createLinking({
      store,
      vault,
      baseUrl: issuer,
      serverName: 'Mandate notes (demo)',
      // The connect pages accept the browser's session at this authorization server only.
      signedInUser: oidcSessionResolver(() => authorizationServer.provider()),
      // ...and a signed-out browser signs in there and comes back to the link.
      signInUrl: (returnTo) => accountSignInUrl(issuer, returnTo),
      logger: logger.child({ component: 'linking' }),
    })
    closers.push(() => {
      linking.close()
      return Promise.resolve()
    })

    const app = buildApp({
      store,
      logger,
      publicUrl,
      trustProxy: config.authorizationServer.trustProxy,
    })
    app.route('/', authorizationServer.app)
    app.route('/connect', linking.routes)

    let notes: ProtectedMcpHandler | undefined
    if (calendar !== undefined) {
      notes = createNotesServer({
        resource: demoResource,
        authorizationServers: [issuer],
        // The keys are this process's own: fetched over loopback, whatever the public URL is.
        verifier: { jwt: { issuers: [{ issuer, jwksUri: new URL(ROUTES.jwks, listenUrl).href }] } },
        store,
        logger: logger.child({ component: 'demo-notes' }),
        allowedHosts: [publicUrl.host],
        extraTools: [calendarTodayTool(linking, calendar.api)],
        // 2025-11-25 clients declare URL elicitation once, at initialize: remember it per user.
        onClientInitialize: (identity, capabilities) =>
          linking.rememberClientCapabilities(identity, capabilities),
        // ...and tell them on their GET stream when the browser step is done.
        notifications: { source: linking.notifications },
      })
      const mounted = notes
      closers.push(() => mounted.close())
      mountOnHono(app, notes)
    }
    const drain = () => {
      notes?.endStreams()
    }
    return { app, authorizationServer, vault, linking, drain, close }
  } catch (error) {
    await close()
    throw error
  }
}

function providerFetch(calendar: DemoCalendarProvider | undefined): typeof fetch {
  const strict = createSsrfSafeFetch()
  if (calendar === undefined) return strict
  const demo = createSsrfSafeFetch({ dangerouslyAllowHttp: true, dangerouslyAllowLoopback: true })
  const demoOrigin = new URL(calendar.issuer).origin
  return (input, init) =>
    new URL(input instanceof Request ? input.url : String(input)).origin === demoOrigin
      ? demo(input, init)
      : strict(input, init)
}

function authorizationServerOptions(
  runtime: Runtime,
  issuer: string,
  audit: (event: AuditEvent) => void,
  demoResource: string | undefined,
): AuthorizationServerOptions {
  const { config, logger, store, keyRing } = runtime
  const as = config.authorizationServer
  const resources = {
    ...(demoResource === undefined ? {} : { [demoResource]: { scopes: [...DEMO_SCOPES] } }),
    ...as.resources,
  }
  return {
    issuer,
    store,
    logger: logger.child({ component: 'authorization-server' }),
    keyRing,
    resources: Object.fromEntries(
      Object.entries(resources).map(([url, resource]) => [url, withoutUndefined(resource)]),
    ),
    // Full client metadata is validated by oidc-provider when it starts.
    clients: as.clients as NonNullable<AuthorizationServerOptions['clients']>,
    cimd: {
      enabled: as.cimd.enabled,
      denyDomains: as.cimd.denyDomains,
      fetchesPerOriginPerMinute: as.cimd.fetchesPerOriginPerMinute,
      ...(as.cimd.allowDomains === undefined ? {} : { allowDomains: as.cimd.allowDomains }),
    },
    allowPrivateCimdHosts: as.cimd.allowPrivateHosts,
    dcr: withoutUndefined(as.dcr),
    ttl: withoutUndefined(as.ttl),
    tokenExchange: as.tokenExchange,
    trustProxy: as.trustProxy,
    audit,
    ...(as.refreshGraceSeconds === undefined
      ? {}
      : { refreshGraceSeconds: as.refreshGraceSeconds }),
    ...(as.upstream === undefined ? {} : { upstream: withoutUndefined(as.upstream) }),
  }
}

/** Drops undefined members, for options typed with `exactOptionalPropertyTypes`. */
function withoutUndefined<T extends object>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
