import type { HttpBindings } from '@hono/node-server'
import { createMiddleware } from 'hono/factory'
import { redactPath } from '@mandate/core'
import type { Logger } from '@mandate/core'
import type { RequestIdVariables } from '../request-id/index.ts'

/**
 * One structured line per request. Logs the path only: query strings can carry codes and
 * tokens (RFC 6749 §4.1.2), so they never reach the log; path segments that are capabilities
 * (connect-link ids, interaction uids) are masked by route ({@link redactPath}).
 */
export const accessLog = (logger: Logger) =>
  createMiddleware<{ Bindings: HttpBindings; Variables: RequestIdVariables }>(async (c, next) => {
    const started = performance.now()
    await next()
    // Routes handed to oidc-provider answer on the raw Node response; Hono's is a placeholder.
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: redactPath(c.req.path),
      status: outgoing?.headersSent === true ? outgoing.statusCode : c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    })
  })
