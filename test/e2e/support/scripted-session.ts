// A scripted session against a spawned `mandate serve`, over plain HTTP (no browser): a DCR
// client with a secret, sign-in and consent, code and tokens, a refresh, and a connect link
// from the demo's calendar tool. Returns every secret it saw, for leak scans.
import type * as oauth from 'oauth4webapi'
import { authorize } from '../../../packages/authorization-server/test/support/harness.ts'
import { BrowserAgent } from '../../../packages/authorization-server/test/support/browser-agent.ts'
import { PASSWORD } from './mandate-e2e.ts'
import type { MandateProcess } from './mandate-e2e.ts'

const REDIRECT_URI = 'http://127.0.0.1:9/cb'
const CONNECT_LINK = /\/connect\/([A-Za-z0-9_-]{43})/

/** The secrets of one session, by name (names are printed, values never). */
export type SessionSecrets = Map<string, string>

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`

export async function scriptedSession(
  serve: MandateProcess,
  username: string,
): Promise<SessionSecrets> {
  const secrets: SessionSecrets = new Map([['password', PASSWORD]])
  const discovery = await fetch(new URL('/.well-known/oauth-authorization-server', serve.url))
  const as = (await discovery.json()) as oauth.AuthorizationServer

  const registered = await fetch(new URL('/oauth/register', serve.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'scan',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  })
  const client = (await registered.json()) as Record<string, string>
  const clientId = client['client_id'] ?? ''
  secrets.set('client_secret', client['client_secret'] ?? '')
  if (client['registration_access_token'] !== undefined) {
    secrets.set('registration_access_token', client['registration_access_token'])
  }

  const agent = new BrowserAgent()
  const result = await authorize(
    { issuer: as.issuer, as },
    {
      agent,
      clientId,
      redirectUri: REDIRECT_URI,
      resource: serve.mcpUrl,
      scope: 'notes:read notes:write offline_access',
      username,
      password: PASSWORD,
    },
  )
  const code = result.callback.searchParams.get('code') ?? ''
  secrets.set('authorization_code', code)
  secrets.set('code_verifier', result.verifier)
  // Session cookies are bearer secrets. The `_interaction*` cookies hold the interaction uid,
  // the key of a one-hour record that only works with its signed cookie: not scanned for.
  for (const [name, value] of agent.cookies) {
    if (!name.startsWith('_interaction')) secrets.set(`cookie ${name}`, value)
  }

  const token = async (form: Record<string, string>) => {
    const response = await fetch(as.token_endpoint ?? '', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(clientId, client['client_secret'] ?? ''),
      },
      body: new URLSearchParams(form).toString(),
    })
    const body = (await response.json()) as Record<string, string>
    if (response.status !== 200) throw new Error(`token endpoint said ${body['error'] ?? '?'}`)
    return body
  }
  const first = await token({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: result.verifier,
  })
  secrets.set('access_token', first['access_token'] ?? '')
  secrets.set('refresh_token', first['refresh_token'] ?? '')
  const second = await token({
    grant_type: 'refresh_token',
    refresh_token: first['refresh_token'] ?? '',
  })
  secrets.set('access_token (refreshed)', second['access_token'] ?? '')
  secrets.set('refresh_token (rotated)', second['refresh_token'] ?? '')

  // The demo's calendar tool asks for a link (a text answer for a client without URL mode).
  const call = await fetch(serve.mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${second['access_token'] ?? ''}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'calendar_today', arguments: {} },
    }),
  })
  const linkId = CONNECT_LINK.exec(await call.text())?.[1]
  if (linkId === undefined)
    throw new Error(`no connect link in the tool answer (${String(call.status)})`)
  secrets.set('connect link id', linkId)
  // The person opens the link in the browser that signed in.
  const page = await agent.request(new URL(`/connect/${linkId}`, serve.url).href)
  await page.body?.cancel()
  if (page.status !== 200) throw new Error(`connect page answered ${String(page.status)}`)
  for (const [name, value] of secrets) if (value === '') throw new Error(`no ${name} seen`)
  return secrets
}
