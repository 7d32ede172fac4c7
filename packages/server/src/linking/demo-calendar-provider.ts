import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { OAuthProviderDefinition, ProviderClient } from '@mandate/vault'

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
  close(): Promise<void>
}

interface DemoProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; params: Record<string, unknown> }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: unknown,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
  Grant: new (init: { accountId: string; clientId: string }) => {
    addOIDCScope(scope: string): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }
  AccessToken: {
    find(
      value: string,
    ): Promise<{ accountId: string; scope?: string; isExpired: boolean } | undefined>
  }
}
// Imported by name: oidc-provider is only needed when the demo runs.
const OIDC_PROVIDER: string = 'oidc-provider'

const escape = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`)

/**
 * Starts "Demo Calendar", a small OAuth/OpenID provider on loopback (a real `oidc-provider`), so
 * that a newcomer sees the whole linking flow offline: a sign-in-and-consent page, refresh tokens
 * (rotating), RFC 7009 revocation, and a one-endpoint calendar API. For demos and tests only.
 */
export async function startDemoCalendarProvider(options: {
  redirectUri: string
}): Promise<DemoCalendarProvider> {
  const { default: Provider } = (await import(OIDC_PROVIDER)) as {
    default: new (issuer: string, config: unknown) => DemoProvider
  }
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const client: ProviderClient = {
    client_id: 'mandate-demo',
    client_secret: randomBytes(24).toString('base64url'),
  }
  const provider = new Provider(issuer, {
    clients: [
      {
        ...client,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    scopes: ['openid', 'offline_access', 'calendar.read'],
    claims: { openid: ['sub'] },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 86_400 * 30,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 86_400 * 30,
      Session: 86_400,
    },
    rotateRefreshToken: true,
    issueRefreshToken: () => true,
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    // Distinct names: cookies ignore ports, and the Mandate server may run on the same host.
    cookies: {
      keys: [randomBytes(16).toString('hex')],
      names: { session: 'demo_session', interaction: 'demo_interaction', resume: 'demo_resume' },
    },
  })
  const handle = provider.callback()
  const html = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http:; frame-ancestors 'none'",
    })
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo Calendar</title></head><body style="font-family:system-ui;max-width:36rem;margin:3rem auto">${body}</body></html>`,
    )
  }
  const interaction = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
  ): Promise<void> => {
    const details = await provider.interactionDetails(req, res)
    if (req.method !== 'POST') {
      const scope = typeof details.params['scope'] === 'string' ? details.params['scope'] : ''
      html(
        res,
        200,
        `<h1>Demo Calendar</h1><p>An application asks to read your calendar (<code>${escape(scope)}</code>).</p>
        <form method="post" action="/interaction/${escape(uid)}"><p><label>Demo Calendar user <input name="user" value="demo-user"></label></p>
        <button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></form>`,
      )
      return
    }
    let body = ''
    for await (const chunk of req) body += String(chunk)
    const form = new URLSearchParams(body)
    if (form.get('decision') !== 'allow') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'the user denied access' },
        { mergeWithLastSubmission: false },
      )
      return
    }
    const user = /^[\w.-]{1,64}$/.test(form.get('user') ?? '')
      ? (form.get('user') ?? '')
      : 'demo-user'
    const grant = new provider.Grant({ accountId: user, clientId: client.client_id })
    grant.addOIDCScope(
      typeof details.params['scope'] === 'string' ? details.params['scope'] : 'openid',
    )
    const grantId = await grant.save()
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    )
  }
  const today = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const value = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1]
    const token = value === undefined ? undefined : await provider.AccessToken.find(value)
    if (
      token === undefined ||
      token.isExpired ||
      !(token.scope ?? '').split(' ').includes('calendar.read')
    ) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
      return
    }
    const day = new Date().toISOString().slice(0, 10)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        user: token.accountId,
        date: day,
        events: [
          { time: '09:30', title: 'Stand-up' },
          { time: '13:00', title: 'Lunch with Sam' },
          { time: '16:00', title: 'Review the Mandate demo' },
        ],
      }),
    )
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    const uid = /^\/interaction\/([\w-]+)$/.exec(path)?.[1]
    const work =
      uid !== undefined
        ? interaction(req, res, uid)
        : path === '/api/today'
          ? today(req, res)
          : Promise.resolve(handle(req, res))
    Promise.resolve(work).catch(() => {
      if (!res.headersSent) res.writeHead(400).end()
    })
  })
  return {
    issuer,
    client,
    api: `${issuer}/api`,
    definition: {
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
    },
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}
