import type { Context } from 'hono'
import type { HttpBindings } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { originFormTarget } from '../provider/issuer-origin.ts'
import type { ProviderRuntime } from './provider-runtime.ts'

/** The Hono environment of the server's app: the raw Node request and response (node-server). */
export interface ServerEnv {
  Bindings: HttpBindings
}

/**
 * Hands a request to oidc-provider on the raw Node request (optionally under another `path`)
 * and resolves when it has answered. oidc-provider must see an origin-form target (RFC 9112
 * §3.2.2): an absolute-form one for another origin would become its `ctx.href` and poison every
 * URL it builds, so it is answered 421 here.
 */
export function forwardToProvider(
  c: Context<ServerEnv>,
  runtime: ProviderRuntime,
  origin: string,
  path?: string,
): Promise<Response> {
  const { incoming, outgoing } = c.env
  const target = originFormTarget(incoming.url ?? '/', origin)
  if (target === undefined) return Promise.resolve(misdirected(c, origin))
  incoming.url = path ?? target
  const callback = runtime.callback
  return new Promise((resolve) => {
    outgoing.once('close', () => {
      resolve(RESPONSE_ALREADY_SENT)
    })
    void callback(incoming, outgoing)
  })
}

/** RFC 9110 §15.5.20: this server does not answer for the origin the request named. */
function misdirected(c: Context<ServerEnv>, origin: string): Response {
  return c.json(
    { error: 'misdirected_request', error_description: `this server answers as ${origin}` },
    421,
  )
}
