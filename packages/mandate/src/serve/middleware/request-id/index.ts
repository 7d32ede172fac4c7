import { randomUUID } from 'node:crypto'
import { createMiddleware } from 'hono/factory'

/** The request and response header carrying a request's id (logged, audited). */
export const REQUEST_ID_HEADER = 'X-Request-Id'
// A caller's id is kept only when it is short and plain, so it cannot inject into logs.
const ACCEPTABLE = /^[\w.:-]{1,128}$/

/** The request's id, set on the Hono context for the access log and the audit trail. */
export type RequestIdVariables = { requestId: string }

/** Gives every request an id (the caller's, if acceptable) and echoes it in the response. */
export const requestId = () =>
  createMiddleware<{ Variables: RequestIdVariables }>(async (c, next) => {
    const offered = c.req.header(REQUEST_ID_HEADER)
    const id = offered !== undefined && ACCEPTABLE.test(offered) ? offered : randomUUID()
    c.set('requestId', id)
    c.header(REQUEST_ID_HEADER, id)
    await next()
  })
