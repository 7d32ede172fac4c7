import type { Middleware } from 'koa'
import { parseJsonBounded } from '@mandate/core'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { ROUTES } from './routes.ts'
import { redirectUriAcceptable } from '../clients/redirect-uri-hygiene.ts'

const HOUR_MS = 3_600_000

/**
 * Registration hygiene: per-source rate limit on Dynamic Client Registration (catalogue #147),
 * shared by every
 * instance: the n-th registration of the hour claims slot n with the store's atomic
 * set-if-absent; when all slots are taken the request is refused with 429. Redirect URIs are
 * checked by {@link redirectUriAcceptable} before oidc-provider sees them.
 */
export function dcrRateLimit(config: AuthorizationServerConfig): Middleware {
  const { store } = config
  const limit = config.dcr.perSourcePerHour
  return async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === ROUTES.registration) {
      const hour = Math.floor(Date.now() / HOUR_MS)
      let admitted = false
      for (let slot = 0; slot < limit && !admitted; slot++) {
        admitted = await store.setIfAbsent(
          `as:dcr:${ctx.ip}:${String(hour)}:${String(slot)}`,
          HOUR_MS,
        )
      }
      if (!admitted) {
        ctx.status = 429
        ctx.set('Retry-After', String(Math.ceil((HOUR_MS - (Date.now() % HOUR_MS)) / 1000)))
        ctx.body = {
          error: 'rate_limited',
          error_description: 'too many registrations from this address',
        }
        return
      }
      // boundedJsonBody (registered first) has already read and bounded a JSON body.
      const parsed = (ctx.req as unknown as { body?: unknown }).body
      const body = ctx.req.readable ? await readJson(ctx.req) : parsed
      const uris = (body as { redirect_uris?: unknown } | undefined)?.redirect_uris
      if (Array.isArray(uris) && !uris.every(redirectUriAcceptable)) {
        ctx.status = 400
        ctx.body = {
          error: 'invalid_redirect_uri',
          error_description: 'redirect_uris contains a URI that is not allowed',
        }
        return
      }
      ;(ctx.req as unknown as { body: unknown }).body = body
    }
    await next()
  }
}

const LIMIT = 56 * 1024

async function readJson(stream: AsyncIterable<unknown>): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    size += (chunk as Buffer).length
    if (size > LIMIT) return undefined
    chunks.push(chunk as Buffer)
  }
  try {
    return parseJsonBounded(Buffer.concat(chunks), { maxBytes: LIMIT })
  } catch {
    return undefined
  }
}
