import type { Middleware, ParameterizedContext } from 'koa'
import { JsonBoundsError, parseJsonBounded } from '@mandate/core'
import { ROUTES } from './routes.ts'

// oidc-provider's own body limit (lib/shared/selective_body.js).
const LIMIT = 56 * 1024

/**
 * Bounds every JSON body oidc-provider would parse (DCR registration and management): it reads
 * the body once through {@link parseJsonBounded} and hands oidc-provider the parsed value
 * (its documented "already parsed body" path). A body too deep or too large is refused with
 * 400 before any validator walks it: `invalid_client_metadata` at the registration endpoint
 * (RFC 7591 §3.2.2), `invalid_request` elsewhere (RFC 6749 §5.2).
 */
export function boundedJsonBody(): Middleware {
  return async (ctx, next) => {
    const hasBody = ctx.request.length > 0 || ctx.get('transfer-encoding') !== ''
    if (!ctx.req.readable || !hasBody || ctx.is('application/json', '+json') === false) {
      await next()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length
      if (size > LIMIT) {
        refuse(ctx, 'invalid_request', 'request body too large')
        return
      }
      chunks.push(chunk as Buffer)
    }
    let body: unknown
    try {
      body = parseJsonBounded(Buffer.concat(chunks), { maxBytes: LIMIT })
    } catch (error) {
      if (!(error instanceof JsonBoundsError)) throw error
      const registration = ctx.path.startsWith(ROUTES.registration)
      if (error.code === 'ERR_JSON_TOO_DEEP' && registration) {
        refuse(ctx, 'invalid_client_metadata', 'client metadata nested too deeply')
      } else {
        refuse(ctx, 'invalid_request', error.message)
      }
      return
    }
    ;(ctx.req as unknown as { body: unknown }).body = body
    await next()
  }
}

function refuse(ctx: ParameterizedContext, error: string, description: string): void {
  ctx.status = 400
  ctx.set('Cache-Control', 'no-store')
  ctx.body = { error, error_description: description }
}
