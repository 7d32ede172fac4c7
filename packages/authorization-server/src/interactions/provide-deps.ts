import type { MiddlewareHandler } from 'hono'

/**
 * The first step of every page route: makes the routes' dependencies, resolved once when the
 * server is built, available to each later step as `c.var.deps`.
 */
export function provideDeps<Deps>(deps: Deps): MiddlewareHandler<{ Variables: { deps: Deps } }> {
  return async (c, next) => {
    c.set('deps', deps)
    await next()
  }
}
