import { parse } from 'node:querystring'
import type { Middleware } from 'koa'
import { ROUTES } from './routes.ts'

/** Prefix of the alias a JWT access token is handed to oidc-provider under (see below). */
export const JWT_ALIAS_PREFIX = 'jwtref:'
const LIMIT = 56 * 1024

/**
 * oidc-provider refuses to introspect or revoke structured (JWT) access tokens. Ours are
 * JWTs (RFC 9068) but we keep a record of each, so we hand them to oidc-provider under an
 * alias that is not JWT-shaped; the adapter verifies the JWT behind the alias (signature,
 * issuer, typ, record not revoked) before treating it as a token (RFC 7662, RFC 7009).
 */
export function jwtTokenAlias(): Middleware {
  return async (ctx, next) => {
    if (
      ctx.method === 'POST' &&
      (ctx.path === ROUTES.introspection || ctx.path === ROUTES.revocation) &&
      ctx.is('application/x-www-form-urlencoded') !== false &&
      ctx.req.readable
    ) {
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of ctx.req) {
        size += (chunk as Buffer).length
        if (size > LIMIT) ctx.throw(413)
        chunks.push(chunk as Buffer)
      }
      const body = parse(Buffer.concat(chunks).toString('utf8'))
      const token = body['token']
      if (typeof token === 'string' && token.split('.').length === 3) {
        body['token'] = `${JWT_ALIAS_PREFIX}${Buffer.from(token).toString('base64url')}`
      }
      ;(ctx.req as unknown as { body: unknown }).body = body
    }
    await next()
  }
}
