import type { HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { ROUTES } from '@mandate/authorization-server'
import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import { accessLog } from './middleware/access-log/index.ts'
import { hostCheck } from './middleware/host-check/index.ts'
import { requestId } from './middleware/request-id/index.ts'
import type { RequestIdVariables } from './middleware/request-id/index.ts'

export interface AppContext {
  store: Store
  logger: Logger
  publicUrl: URL
  /** Behind a reverse proxy that owns the Host header (authorizationServer.trustProxy). */
  trustProxy: boolean
}

/** Served by @hono/node-server, so components can reach the raw Node request when needed. */
export type AppEnv = { Bindings: HttpBindings; Variables: RequestIdVariables }
export type MandateApp = Hono<AppEnv>

/** The all-in-one HTTP application: health endpoints; components are mounted on it. */
export function buildApp(context: AppContext): MandateApp {
  const app = new Hono<AppEnv>()
  app.use(requestId(), accessLog(context.logger))
  // Health checks come from load balancers by address; the key set is public and fetched by
  // this process itself over loopback.
  if (!context.trustProxy) {
    app.use(hostCheck(context.publicUrl, ['/healthz', '/readyz', ROUTES.jwks]))
  }

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
    context.logger.error('unhandled error', { requestId: c.get('requestId'), error })
    return c.json({ error: 'server_error' }, 500)
  })
  return app
}
