import type { HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { ROUTES } from '@mandate/authorization-server'
import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import { LANDING_PAGE_CSP, landingPage } from './landing-page.ts'
import { accessLog } from './middleware/access-log/index.ts'
import { hostCheck } from './middleware/host-check/index.ts'
import { requestId } from './middleware/request-id/index.ts'
import type { RequestIdVariables } from './middleware/request-id/index.ts'

/** What the all-in-one app needs before any component is mounted. */
export interface AppContext {
  store: Store
  logger: Logger
  publicUrl: URL
  /** Behind a reverse proxy that owns the Host header (authorizationServer.trustProxy). */
  trustProxy: boolean
  /** The demo MCP endpoint, named on the landing page when the demo runs. */
  demoMcpUrl?: string | undefined
}

/** Served by @hono/node-server, so components can reach the raw Node request when needed. */
export type AppEnv = { Bindings: HttpBindings; Variables: RequestIdVariables }
/** The Hono app of `mandate serve`; components mount their routes on it. */
export type MandateApp = Hono<AppEnv>

/** The all-in-one HTTP application: health endpoints; components are mounted on it. */
export function buildApp(context: AppContext): MandateApp {
  const app = new Hono<AppEnv>()
  app.use(requestId(), accessLog(context.logger))
  // Health checks come from load balancers by address; the key set is public and fetched by
  // this process itself over loopback. Behind a trusted proxy, Host is the proxy's business,
  // but absolute-form targets and forwarded headers must still name the public URL.
  app.use(
    hostCheck({
      publicUrl: context.publicUrl,
      trustProxy: context.trustProxy,
      exempt: ['/healthz', '/readyz', ROUTES.jwks],
    }),
  )

  // A person who opens the server's address learns what it is and where to go.
  app.get('/', (c) => {
    c.header('content-security-policy', LANDING_PAGE_CSP)
    c.header('x-content-type-options', 'nosniff')
    return c.html(landingPage(context.publicUrl, context.demoMcpUrl))
  })

  // Liveness: the process is up and serving. Never touches the database.
  app.get('/healthz', (c) => c.json({ status: 'ok' }))

  // Readiness: the database answers and every migration is applied.
  app.get('/readyz', async (c) => {
    try {
      await context.store.ping()
      const pending = await context.store.pendingMigrations()
      if (pending.length > 0) return c.json({ status: 'migrations pending', pending }, 503)
      return c.json({ status: 'ready' })
    } catch {
      return c.json({ status: 'database unreachable' }, 503)
    }
  })

  app.notFound((c) => c.json({ error: 'not_found' }, 404))
  app.onError((error, c) => {
    // The client went away while its body was read (Node's 'aborted'): its fault, not ours.
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' && error.message === 'aborted') {
      context.logger.info('request aborted by client', { requestId: c.get('requestId') })
      return c.json({ error: 'invalid_request', error_description: 'request body incomplete' }, 400)
    }
    context.logger.error('unhandled error', { requestId: c.get('requestId'), error })
    return c.json({ error: 'server_error' }, 500)
  })
  return app
}
