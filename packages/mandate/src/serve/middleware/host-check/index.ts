import { createMiddleware } from 'hono/factory'

/**
 * Answers 421 Misdirected Request (RFC 9110 §15.5.20) to a request whose Host is not the public
 * URL's. Endpoint URLs in metadata and redirects are built from the request, so a forged Host
 * would poison them, and a DNS-rebound name would reach the server through the user's browser.
 * Paths in `exempt` (health checks from load balancers, which use addresses) pass.
 */
export const hostCheck = (publicUrl: URL, exempt: readonly string[] = []) =>
  createMiddleware(async (c, next) => {
    if (exempt.includes(c.req.path)) return next()
    const host = c.req.header('host')
    if (host?.toLowerCase() !== publicUrl.host) {
      return c.json(
        {
          error: 'misdirected_request',
          error_description: `this server answers as ${publicUrl.origin}`,
        },
        421,
      )
    }
    return next()
  })
