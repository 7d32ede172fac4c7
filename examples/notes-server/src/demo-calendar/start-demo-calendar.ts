import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OAuthProviderDefinition, ProviderClient } from '@mandate/vault'
import { todayEndpoint } from './calendar-api.ts'
import { consentInteraction } from './consent-page.ts'
import { createDemoProvider } from './demo-provider.ts'

/** What `mandate serve` needs to register the demo provider with the vault. */
export interface DemoCalendarProvider {
  /** `http://127.0.0.1:<port>` (loopback only). */
  readonly issuer: string
  /** The provider definition for the vault's catalog (id `demo-calendar`). */
  readonly definition: OAuthProviderDefinition
  /** The client registration to store with `vault.setProviderClient('demo-calendar', …)`. */
  readonly client: ProviderClient
  /** The calendar API: `GET <api>/today` with the access token. */
  readonly api: string
  /** Stops the provider (its state is in memory and goes with it). */
  close(): Promise<void>
}

/** The catalog entry of the Demo Calendar (an OpenID provider on loopback, opted in to http). */
function demoDefinition(issuer: string): OAuthProviderDefinition {
  return {
    id: 'demo-calendar',
    kind: 'oidc',
    display_name: 'Demo Calendar',
    issuer,
    discovery: true,
    scope_separator: ' ',
    default_scopes: ['openid', 'offline_access'],
    authorization_params: { prompt: 'consent' },
    pkce: 'required',
    token_endpoint_auth_method: 'client_secret_post',
    refresh: 'rotating',
    revocation: 'rfc7009',
    allow_loopback_http: true,
  }
}

/**
 * Starts "Demo Calendar", a small OAuth/OpenID provider on loopback (a real `oidc-provider`), so
 * that a newcomer sees the whole linking flow offline: a sign-in-and-consent page, refresh tokens
 * (rotating), RFC 7009 revocation, and a one-endpoint calendar API. For demos and tests only.
 * @example
 * ```ts
 * const calendar = await startDemoCalendarProvider({ redirectUri: `${origin}/connect/callback` })
 * const catalog = createProviderCatalog({ providers: [calendar.definition] })
 * await vault.setProviderClient('demo-calendar', calendar.client)
 * ```
 */
export async function startDemoCalendarProvider(options: {
  redirectUri: string
}): Promise<DemoCalendarProvider> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const client: ProviderClient = {
    client_id: 'mandate-demo',
    client_secret: randomBytes(24).toString('base64url'),
  }
  const provider = await createDemoProvider(issuer, client, options.redirectUri)
  const handle = provider.callback()
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    const uid = /^\/interaction\/([\w-]+)$/.exec(path)?.[1]
    const work =
      uid !== undefined
        ? consentInteraction(provider, client.client_id, req, res, uid)
        : path === '/api/today'
          ? todayEndpoint(provider, req, res)
          : Promise.resolve(handle(req, res))
    Promise.resolve(work).catch(() => {
      if (!res.headersSent) res.writeHead(400).end()
    })
  })
  return {
    issuer,
    client,
    api: `${issuer}/api`,
    definition: demoDefinition(issuer),
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
