import type { Middleware } from 'koa'

/**
 * oidc-provider builds every endpoint URL (metadata, redirects, `htu` checks) from Koa's
 * `ctx.href`: the request's protocol, `Host` (or `X-Forwarded-Host` behind a proxy) and target.
 * A forged `Host`, forwarded header or absolute-form target (RFC 9112 §3.2.2) would poison
 * them, so every request is seen with the issuer's origin, whatever it says, and a target that
 * is not origin-form is refused. The client's address (`ctx.ip`) still follows `proxy`.
 */
export function issuerOrigin(issuer: string): Middleware {
  const url = new URL(issuer)
  const fixed = {
    protocol: { value: url.protocol.slice(0, -1) },
    host: { value: url.host },
    hostname: { value: url.hostname },
  }
  return async (ctx, next) => {
    if (!ctx.originalUrl.startsWith('/')) {
      ctx.status = 400
      ctx.body = { error: 'invalid_request', error_description: 'request target must be a path' }
      return
    }
    Object.defineProperties(ctx.request, fixed)
    await next()
  }
}

/**
 * The origin-form (path and query) of a request target, or `undefined` when it is an
 * absolute-form target for another origin or no URL at all (asterisk-form, garbage).
 */
export function originFormTarget(target: string, origin: string): string | undefined {
  if (target.startsWith('/')) return target
  const url = URL.parse(target)
  if (url?.origin !== origin) return undefined
  return `${url.pathname}${url.search}`
}
