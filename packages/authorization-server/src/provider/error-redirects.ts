import type { EventEmitter } from 'node:events'
import { isLoopbackHost } from '@mandate/core'
import type Provider from 'oidc-provider'
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'
import { hostInDomain } from '../lib/domain-policy.ts'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import { renderErrorPage } from '../pages/error-page.ts'
import { ACCOUNT_CLIENT_ID } from './account-client.ts'

type RenderError = NonNullable<Configuration['renderError']>

// Hosts named on the error page, per request whose error redirect was withheld.
const withheld = new WeakMap<object, string>()

/**
 * RFC 9700 §4.11.2 (catalogue #5): the authorization endpoint must not be an open redirector
 * through a client anyone can register. An error raised at `/oauth/authorize` itself (before
 * the user signed in or saw a consent page naming the client) is redirected back only for
 * operator-configured clients, or when the redirect URI is on loopback (the user's own machine,
 * RFC 8252 §7.3: not a third party) or on an operator allow-listed host. Otherwise the error is
 * shown on our own page, naming the client's host. Errors after the user interacted (the resume
 * route: denied consent, failed login) keep the RFC 6749 §4.1.2.1 redirect.
 *
 * oidc-provider emits the error before deciding how to answer and redirects only while the
 * error's `allow_redirect` holds (shared/authorization_error_handler.js), so the listener
 * clears it.
 */
export function guardErrorRedirects(instance: Provider, config: AuthorizationServerConfig): void {
  const operatorClients = new Set([...config.configuredClientIds, ACCOUNT_CLIENT_ID])
  const domains = config.errorRedirectDomains
  const withhold = (ctx: KoaContextWithOIDC, error: { allow_redirect?: boolean }): void => {
    const { oidc } = ctx
    const client = oidc.client
    if (oidc.route !== 'authorization' || client === undefined) return
    if (operatorClients.has(client.clientId)) return
    const params = (oidc.params ?? (ctx.method === 'POST' ? oidc.body : ctx.query)) as
      Record<string, unknown> | undefined
    const redirectUri = params?.['redirect_uri']
    if (typeof redirectUri !== 'string' || redirectTrusted(redirectUri, domains)) return
    error.allow_redirect = false
    withheld.set(ctx, clientHost(client.clientId, redirectUri))
  }
  // oidc-provider's typed overloads do not cover every event; it is a plain EventEmitter.
  const events = instance as unknown as EventEmitter
  events.on('authorization.error', withhold)
  events.on('server_error', withhold)
}

/** oidc-provider's `renderError`: our error page, naming the client when a redirect was withheld. */
export const renderAuthorizationError: RenderError = (ctx, out) => {
  const host = withheld.get(ctx)
  // A `prompt=none` failure carries 303 for its redirect; without one it is a plain 400.
  if (ctx.status >= 300 && ctx.status < 400) ctx.status = 400
  ctx.type = 'html'
  ctx.body = renderErrorPage(out.error, out.error_description, host)
}

function redirectTrusted(uri: string, domains: readonly string[]): boolean {
  const url = URL.parse(uri)
  if (url === null) return false
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (isLoopbackHost(url.hostname)) return true
  }
  return url.protocol === 'https:' && domains.some((d) => hostInDomain(url.hostname, d))
}

/** CIMD: the client_id's host (verified by the fetch); DCR: where the redirect would have gone. */
function clientHost(clientId: string, redirectUri: string): string {
  const id = URL.parse(clientId)
  if (id !== null && id.protocol === 'https:') return id.host
  const redirect = URL.parse(redirectUri)
  return redirect === null || redirect.host === '' ? redirectUri.slice(0, 200) : redirect.host
}
