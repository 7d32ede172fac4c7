import type { HttpBindings } from '@hono/node-server'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'

/** Which origin requests must name, and whether a reverse proxy owns `Host`. */
export interface HostCheckOptions {
  publicUrl: URL
  /** Behind a reverse proxy that owns `Host`: `Host` is not checked, forwarded headers are. */
  trustProxy: boolean
  /** Paths whose `Host` is not checked (health checks from load balancers use addresses). */
  exempt?: readonly string[]
}

/**
 * Answers 421 Misdirected Request (RFC 9110 §15.5.20) to a request that names another origin
 * than the public URL: by its `Host`, by an absolute-form target (RFC 9112 §3.2.2) or by
 * `X-Forwarded-Host`/`X-Forwarded-Proto`/`Forwarded` (RFC 7239). URLs are built from the
 * public URL, never from the request, but a request that disagrees is refused anyway: a
 * DNS-rebound name would otherwise reach the server through the user's browser. An
 * absolute-form target for the public origin is rewritten to origin-form for what follows.
 */
export const hostCheck = (options: HostCheckOptions) => {
  const { publicUrl, trustProxy } = options
  const exempt = new Set(options.exempt ?? [])
  const proto = publicUrl.protocol.slice(0, -1)
  return createMiddleware<{ Bindings: HttpBindings }>(async (c, next) => {
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming
    const target = incoming?.url ?? '/'
    if (!target.startsWith('/')) {
      const absolute = URL.parse(target)
      if (absolute?.origin !== publicUrl.origin) return misdirected(c, publicUrl)
      if (incoming !== undefined) incoming.url = `${absolute.pathname}${absolute.search}`
    }
    if (exempt.has(c.req.path)) return next()
    const host = c.req.header('host')?.toLowerCase()
    if (!trustProxy && host !== publicUrl.host) return misdirected(c, publicUrl)
    const forwarded = forwardedValues(c)
    if (
      !forwarded.hosts.every((value) => value === publicUrl.host) ||
      !forwarded.protos.every((value) => value === proto)
    ) {
      return misdirected(c, publicUrl)
    }
    return next()
  })
}

/** Every host and protocol the request claims through forwarding headers, lower-cased. */
function forwardedValues(c: Context): { hosts: string[]; protos: string[] } {
  const list = (name: string): string[] =>
    (c.req.header(name) ?? '')
      .split(',')
      .map((value) => value.trim().toLowerCase())
      .filter((value) => value !== '')
  const hosts = list('x-forwarded-host')
  const protos = list('x-forwarded-proto')
  // RFC 7239 §4: `Forwarded: for=…;host=…;proto=…, …`; quoted values may hold a port.
  for (const element of list('forwarded')) {
    for (const pair of element.split(';')) {
      const [name, raw] = pair.split('=', 2).map((part) => part.trim())
      const value = raw?.replace(/^"(.*)"$/, '$1')
      if (value === undefined) continue
      if (name === 'host') hosts.push(value)
      if (name === 'proto') protos.push(value)
    }
  }
  return { hosts, protos }
}

function misdirected(c: Context, publicUrl: URL): Response {
  return c.json(
    {
      error: 'misdirected_request',
      error_description: `this server answers as ${publicUrl.origin}`,
    },
    421,
  )
}
