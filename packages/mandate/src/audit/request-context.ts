import { AsyncLocalStorage } from 'node:async_hooks'
import type { HttpBindings } from '@hono/node-server'
import { createMiddleware } from 'hono/factory'
import type { RequestIdVariables } from '../serve/middleware/request-id/index.ts'

/** Who sent the request being served: attached to every audit event it causes. */
export interface AuditRequestContext {
  ip?: string
  user_agent?: string
  request_id?: string
}

const storage = new AsyncLocalStorage<AuditRequestContext>()

/** The context of the request this code runs for, if any (events from timers have none). */
export function currentAuditContext(): AuditRequestContext | undefined {
  return storage.getStore()
}

/**
 * Runs the rest of the request inside its audit context. Behind a trusted proxy the source
 * address is the last `X-Forwarded-For` hop (the one the proxy appended), else the socket's.
 */
export const auditRequestContext = (trustProxy: boolean) =>
  createMiddleware<{ Bindings: HttpBindings; Variables: RequestIdVariables }>(async (c, next) => {
    const forwarded = trustProxy ? c.req.header('x-forwarded-for') : undefined
    const hop = forwarded?.split(',').at(-1)?.trim()
    const socket = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.remoteAddress
    const ip = hop !== undefined && hop !== '' ? hop : socket
    const userAgent = c.req.header('user-agent')
    const context: AuditRequestContext = {
      ...(ip === undefined ? {} : { ip: ip.slice(0, 100) }),
      ...(userAgent === undefined ? {} : { user_agent: userAgent.slice(0, 500) }),
      request_id: c.get('requestId'),
    }
    await storage.run(context, next)
  })
