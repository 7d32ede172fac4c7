import { SpanStatusCode, trace } from '@opentelemetry/api'
import { createMiddleware } from 'hono/factory'

// No-op unless the host process registers an OpenTelemetry SDK (e.g. `--import` of a setup
// file with @opentelemetry/sdk-node); the API costs next to nothing without one.
const tracer = trace.getTracer('mandate')

/** Spans around what matters most: the token endpoint, MCP requests (authentication), linking. */
export function traceRoutes(routes: { token: string; mcp?: string | undefined }) {
  return createMiddleware(async (c, next) => {
    const path = c.req.path
    const name =
      path === routes.token
        ? 'oauth.token'
        : path === routes.mcp
          ? 'mcp.request'
          : path.startsWith('/connect')
            ? 'vault.link'
            : undefined
    if (name === undefined) {
      await next()
      return
    }
    await tracer.startActiveSpan(name, async (span) => {
      try {
        span.setAttribute('http.request.method', c.req.method)
        await next()
        span.setAttribute('http.response.status_code', c.res.status)
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      } finally {
        span.end()
      }
    })
  })
}

/** A span around one call (vault reads, provider calls). */
export async function inSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn()
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR })
      throw error
    } finally {
      span.end()
    }
  })
}
