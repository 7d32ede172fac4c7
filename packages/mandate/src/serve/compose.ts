import { createNotesServer } from '@mandate/example-notes-server'
import { createAuthorizationServer, ROUTES } from '@mandate/authorization-server'
import { mountOnHono } from '@mandate/server'
import type { AuthorizationServer, AuthorizationServerOptions } from '@mandate/authorization-server'
import type { AuditEvent } from '@mandate/core'
import { createProviderCatalog, openVault } from '@mandate/vault'
import type { Vault } from '@mandate/vault'
import type { Runtime } from '../runtime/open-runtime.ts'
import { buildApp } from './app.ts'
import type { MandateApp } from './app.ts'

/** Everything `mandate serve` runs behind one origin, built once the public URL is known. */
export interface Components {
  app: MandateApp
  authorizationServer: AuthorizationServer
  vault: Vault
  close(): Promise<void>
}

/**
 * @param publicUrl the origin clients use (the issuer)
 * @param listenUrl where this process listens, for calls to itself (the demo's JWKS fetch)
 */
export async function composeComponents(
  runtime: Runtime,
  publicUrl: URL,
  listenUrl: URL,
): Promise<Components> {
  const { config, logger, store, keyRing } = runtime
  const issuer = publicUrl.origin
  const as = config.authorizationServer
  const demoResource = new URL('/mcp', publicUrl).href
  const resources = {
    ...(config.demo.enabled ? { [demoResource]: { scopes: [...DEMO_SCOPES] } } : {}),
    ...as.resources,
  }
  const audit = (event: AuditEvent) => {
    logger.info('audit', { event })
  }
  const options: AuthorizationServerOptions = {
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
  const authorizationServer = await createAuthorizationServer(options)
  const vault = await openVault({
    store,
    keys: runtime.keyProvider,
    catalog: createProviderCatalog({ presets: true }),
    logger: logger.child({ component: 'vault' }),
    audit: (event) => {
      logger.info('audit', { event })
    },
  })
  const app = buildApp({ store, logger, publicUrl, trustProxy: as.trustProxy })
  app.route('/', authorizationServer.app)
  const demo = config.demo.enabled
    ? createNotesServer({
        resource: demoResource,
        authorizationServers: [issuer],
        // The keys are this process's own: fetched over loopback, whatever the public URL is.
        verifier: { jwt: { issuers: [{ issuer, jwksUri: new URL(ROUTES.jwks, listenUrl).href }] } },
        store,
        logger: logger.child({ component: 'demo-notes' }),
        allowedHosts: [publicUrl.host],
      })
    : undefined
  if (demo !== undefined) mountOnHono(app, demo)
  return {
    app,
    authorizationServer,
    vault,
    close: async () => {
      await demo?.close()
      await vault.close()
      await authorizationServer.close()
    },
  }
}

/** The scopes of the demo notes server (examples/notes-server). */
const DEMO_SCOPES = ['notes:read', 'notes:write'] as const

/** Drops undefined members, for options typed with `exactOptionalPropertyTypes`. */
function withoutUndefined<T extends object>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
