// RFC 8252 §7.3: a native client's loopback redirect URI matches on any port; nothing else
// varies (catalogue #2). A real server; the requests a browser would send, with raw HTTP.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import type { ClientMetadata } from 'oidc-provider'
import { authorize, redeem, RESOURCE, startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'

const V4 = 'http://127.0.0.1:7777/callback'
const V6 = 'http://[::1]/callback'
const CLIENTS = [
  { id: 'native-v4', type: 'native', redirect: V4 },
  { id: 'native-v6', type: 'native', redirect: V6 },
  { id: 'native-localhost', type: 'native', redirect: 'http://localhost:7777/callback' },
  { id: 'web-loopback', type: 'web', redirect: V4 },
] as const

void describe('catalogue #2: loopback redirect URIs of native clients match on any port', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store, (issuer) => ({
      clients: [
        ...(serverOptions(issuer, store).clients ?? []),
        ...CLIENTS.map((c): ClientMetadata => ({
          client_id: c.id,
          application_type: c.type,
          redirect_uris: [c.redirect],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        })),
      ],
    }))
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  /** Status and Location of an authorization request with this client and redirect URI. */
  const attempt = async (clientId: string, redirectUri: string) => {
    const url = new URL(h.as.authorization_endpoint ?? '')
    const params = {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'tools:read',
      resource: RESOURCE,
      state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
    const response = await fetch(url, { redirect: 'manual' })
    const body = await response.text()
    return { status: response.status, location: response.headers.get('location'), body }
  }
  /** Accepted: the AS goes on to its sign-in interaction, not to an error page. */
  const accepted = (result: { status: number; location: string | null }) =>
    result.status === 303 && (result.location ?? '').includes('/interaction/')

  void it('another port on 127.0.0.1 completes the flow, code redeemed with that redirect URI', async () => {
    const redirectUri = 'http://127.0.0.1:54321/callback'
    const result = await authorize(h, { clientId: 'native-v4', redirectUri, scope: 'tools:read' })
    assert.equal(result.callback.origin, 'http://127.0.0.1:54321')
    const tokens = await redeem(h, result, undefined, redirectUri, 'native-v4')
    assert.ok(tokens.access_token.length > 0)
  })

  void it('[::1] registered without a port accepts any port; the exact URI too', async () => {
    assert.ok(accepted(await attempt('native-v6', 'http://[::1]:61000/callback')))
    assert.ok(accepted(await attempt('native-v6', V6)))
    assert.ok(accepted(await attempt('native-v4', V4)))
  })

  for (const [clientId, variant, why] of [
    ['native-v4', 'http://127.0.0.1:54321/other', 'another path'],
    ['native-v4', 'http://127.0.0.1:54321/callback/', 'a trailing slash'],
    ['native-v4', 'http://127.0.0.1:54321/callback?x=1', 'an added query'],
    ['native-v4', 'http://127.0.0.2:7777/callback', 'another loopback address'],
    ['native-v4', 'http://[::1]:7777/callback', 'IPv6 for an IPv4 registration'],
    ['native-v6', 'http://127.0.0.1:7777/callback', 'IPv4 for an IPv6 registration'],
    ['native-v4', 'http://localhost:7777/callback', 'the name localhost'],
    ['native-v4', 'https://127.0.0.1:54321/callback', 'https for http'],
    ['native-v4', 'http://127.0.0.1.evil.example:7777/callback', 'a non-loopback host'],
    ['native-v4', 'http://127.0.0.1:54321@evil.example/callback', 'userinfo tricks'],
    ['native-localhost', 'http://localhost:7778/callback', 'a localhost registration'],
    ['web-loopback', 'http://127.0.0.1:54321/callback', 'a web client'],
  ] as const) {
    void it(`${why} is refused without a redirect (${variant})`, async () => {
      const result = await attempt(clientId, variant)
      assert.equal(result.status, 400)
      assert.equal(result.location, null)
      assert.match(result.body, /redirect_uri/)
    })
  }

  void it('positive controls: the registered URIs of the same clients are accepted', async () => {
    assert.ok(accepted(await attempt('native-localhost', 'http://localhost:7777/callback')))
    assert.ok(accepted(await attempt('web-loopback', V4)))
  })
})
