// The first-party sign-in route at the protocol level: `return_to` validation (no open
// redirect), and what the internal client `mandate-account` cannot do (another redirect URI,
// resources, the token endpoint), the reserved id, and the exported URL helper.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import {
  ACCOUNT_CLIENT_ID,
  ACCOUNT_SIGN_IN_PATH,
  accountSignInUrl,
  createAuthorizationServer,
} from '../src/index.ts'
import { PASSWORD, RESOURCE, startServer, tokenRequest } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { BrowserAgent, parseForm } from './support/browser-agent.ts'
import { serverOptions } from './support/server-options.ts'

void describe('account sign-in: return_to and the internal client', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let redirectUri: string

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    redirectUri = `${h.issuer}/account/signed-in`
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  const signIn = (query: string) =>
    fetch(`${h.issuer}${ACCOUNT_SIGN_IN_PATH}?${query}`, { redirect: 'manual' })

  void it('a same-origin path is accepted: 303 to the authorization endpoint, state cookie set', async () => {
    const response = await signIn('return_to=%2Fconnect%2Fabc')
    assert.equal(response.status, 303)
    const location = new URL(response.headers.get('location') ?? '')
    assert.equal(location.href.split('?')[0], h.as.authorization_endpoint)
    assert.equal(location.searchParams.get('client_id'), ACCOUNT_CLIENT_ID)
    assert.equal(location.searchParams.get('redirect_uri'), redirectUri)
    assert.equal(location.searchParams.get('scope'), 'openid')
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256')
    const cookie = response.headers.getSetCookie()[0] ?? ''
    assert.match(cookie, /^mandate_sign_in_[\w-]+=/)
    assert.match(cookie, /Path=\/account\/signed-in/)
    assert.match(cookie, /HttpOnly/)
    assert.match(cookie, /SameSite=Lax/)
    assert.match(cookie, /Max-Age=600/)
  })

  const offOrigin: [string, string][] = [
    ['an absolute URL', 'https://evil.example/'],
    ['a scheme-relative URL', '//evil.example'],
    ['a backslash (read as //)', '/\\evil.example'],
    ['a tab (stripped by browsers)', '/\t/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['an over-long path', `/${'a'.repeat(1100)}`],
    ['an empty value', ''],
  ]
  for (const [name, value] of offOrigin) {
    void it(`catalogue #6: return_to with ${name} is refused with a page, no redirect`, async () => {
      const response = await signIn(`return_to=${encodeURIComponent(value)}`)
      assert.equal(response.status, 400)
      assert.equal(response.headers.get('location'), null)
      assert.equal(response.headers.getSetCookie().length, 0)
      assert.match(await response.text(), /invalid_request/)
    })
  }

  void it('catalogue #20: a repeated return_to is refused', async () => {
    const response = await signIn('return_to=%2Faccount&return_to=%2F%2Fevil.example')
    assert.equal(response.status, 400)
    assert.equal(response.headers.get('location'), null)
  })

  const authorizeUrl = async (params: Record<string, string>, verifier: string) => {
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 'test-state',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    }).toString()
    return url.href
  }

  void it('catalogue #1: the internal client cannot be used with another redirect_uri', async () => {
    const verifier = oauth.generateRandomCodeVerifier()
    for (const other of ['https://evil.example/account/signed-in', `${redirectUri}/x`]) {
      const response = await fetch(await authorizeUrl({ redirect_uri: other }, verifier), {
        redirect: 'manual',
      })
      assert.equal(response.status, 400)
      assert.equal(response.headers.get('location'), null)
    }
  })

  void it('the internal client gets no resource: invalid_target before any login', async () => {
    const agent = new BrowserAgent()
    const verifier = oauth.generateRandomCodeVerifier()
    const url = await authorizeUrl({ resource: RESOURCE, scope: 'openid tools:read' }, verifier)
    const step = await agent.follow(url, redirectUri)
    assert.ok(step.location !== undefined, 'a login page was shown')
    assert.equal(new URL(step.location).searchParams.get('error'), 'invalid_target')
  })

  void it('the internal client cannot use the token endpoint: no tokens, no refresh, no resource', async () => {
    // A code of the internal client for alice, obtained with our own PKCE verifier.
    const agent = new BrowserAgent()
    const verifier = oauth.generateRandomCodeVerifier()
    let step = await agent.follow(await authorizeUrl({}, verifier), redirectUri)
    const form = parseForm(step.html ?? '', '/login')
    step = await agent.follow(new URL(form.action, h.issuer).href, redirectUri, {
      form: { ...form.fields, username: 'alice', password: PASSWORD },
    })
    const code = new URL(step.location ?? '').searchParams.get('code') ?? ''
    assert.notEqual(code, '')
    for (const extra of [{ resource: RESOURCE }, {}]) {
      const response = await tokenRequest(h, {
        grant_type: 'authorization_code',
        client_id: ACCOUNT_CLIENT_ID,
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        ...extra,
      })
      assert.equal(response.status, 400)
      assert.equal(response.body['error'], 'invalid_request')
      assert.equal(response.body['access_token'], undefined)
      assert.equal(response.body['refresh_token'], undefined)
    }
    const refresh = await tokenRequest(h, {
      grant_type: 'refresh_token',
      client_id: ACCOUNT_CLIENT_ID,
      refresh_token: 'anything',
    })
    assert.equal(refresh.status, 400)
    assert.equal(refresh.body['access_token'], undefined)
  })

  void it('an operator client with the reserved id is refused at startup', async () => {
    const options = serverOptions('http://127.0.0.1:9', store)
    await assert.rejects(
      createAuthorizationServer({
        ...options,
        clients: [...(options.clients ?? []), { client_id: ACCOUNT_CLIENT_ID, redirect_uris: [] }],
      }),
      (error: { code?: string; message?: string }) =>
        error.code === 'ERR_AS_CONFIG' && /reserved/.test(error.message ?? ''),
    )
  })

  void it('accountSignInUrl builds the route URL from a path or a same-origin URL', () => {
    const issuer = 'https://as.example.com'
    assert.equal(
      accountSignInUrl(issuer, '/connect/abc'),
      'https://as.example.com/account/sign-in?return_to=%2Fconnect%2Fabc',
    )
    assert.equal(
      accountSignInUrl(issuer, 'https://as.example.com/connect/abc?x=1'),
      'https://as.example.com/account/sign-in?return_to=%2Fconnect%2Fabc%3Fx%3D1',
    )
    for (const other of ['https://evil.example/connect', '//evil.example/x']) {
      assert.throws(() => accountSignInUrl(issuer, other), { code: 'ERR_AS_CONFIG' })
    }
  })
})
