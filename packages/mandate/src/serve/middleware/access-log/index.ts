import { createMiddleware } from 'hono/factory'
import type { Logger } from '@mandate/core'
import type { RequestIdVariables } from '../request-id/index.ts'

/**
 * One structured line per request. Logs the path only: query strings can carry codes and
 * tokens (RFC 6749 §4.1.2), so they never reach the log.
 */
export const accessLog = (logger: Logger) =>
  createMiddleware<{ Variables: RequestIdVariables }>(async (c, next) => {
    const started = performance.now()
    await next()
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    })
  })
