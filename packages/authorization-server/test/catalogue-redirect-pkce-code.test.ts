// Negative tests for catalogue sections A (redirect flows), B (PKCE and codes) and C (token
// endpoint), against a real server with oauth4webapi and raw HTTP where a library would refuse.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { BrowserAgent } from './support/browser-agent.ts'
import {
  authorize,
  basic,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  insecure,
  publicClient,
  redeem,
  REDIRECT_URI,
  RESOURCE,
  RS_CLIENT,
  RS_SECRET,
  startServer,
  tokenRequest,
  PUBLIC_CLIENT,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'

void describe('catalogue A–C: redirects, PKCE, codes, token endpoint', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  const authorizeUrl = async (params: Record<string, string | undefined>): Promise<string> => {
    const url = new URL(h.as.authorization_endpoint ?? '')
    const defaults: Record<string, string> = {
      client_id: PUBLIC_CLIENT,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'tools:read',
      resource: RESOURCE,
      state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }
    for (const [key, value] of Object.entries({ ...defaults, ...params })) {
      if (value !== undefined) url.searchParams.set(key, value)
    }
    return url.href
  }
  /** An authorization request that must fail: where did the server send the browser? */
  const attempt = async (
    params: Record<string, string | undefined>,
  ): Promise<{ status: number; location: string | null; body: string }> => {
    const response = await fetch(await authorizeUrl(params), { redirect: 'manual' })
    return {
      status: response.status,
      location: response.headers.get('location'),
      body: await response.text(),
    }
  }

  for (const variant of [
    `${REDIRECT_URI}/../evil`,
    'http://127.0.0.1:7777/callback/',
    'http://127.0.0.1:7777/callback?x=1',
    'http://127.0.0.1:7777/CALLBACK',
    'http://127.0.0.1.evil.example/callback',
  ]) {
    void it(`catalogue #1: redirect URI matched exactly, ${variant} refused without redirect`, async () => {
      const result = await attempt({ redirect_uri: variant })
      assert.equal(result.status, 400)
      assert.equal(result.location, null)
      assert.match(result.body, /redirect_uri/)
    })
  }

  // Another port is accepted for this native client (RFC 8252 §7.3): loopback-redirect-port.test.ts.
  for (const variant of [
    'http://localhost:7777/callback',
    'http://[::1]:7777/callback',
    'http://127.0.0.2:7777/callback',
    'https://127.0.0.1:7777/callback',
  ]) {
    void it(`catalogue #2: only the port of a loopback redirect URI varies, ${variant} refused`, async () => {
      const result = await attempt({ redirect_uri: variant })
      assert.equal(result.status, 400)
      assert.equal(result.location, null)
    })
  }

  void it('catalogue #4: unknown client_id renders an error page and never redirects', async () => {
    const result = await attempt({ client_id: 'no-such-client' })
    assert.equal(result.status, 400)
    assert.equal(result.location, null)
    assert.match(result.body, /invalid_client/)
  })

  void it('catalogue #7: a missing redirect_uri is refused', async () => {
    const result = await attempt({ redirect_uri: undefined })
    assert.equal(result.status, 400)
    assert.equal(result.location, null)
  })

  void it('catalogue #13: response_type=token (implicit) is refused', async () => {
    const result = await attempt({ response_type: 'token' })
    assert.ok(result.status === 400 || result.location?.includes('error=unsupported_response_type'))
  })

  void it('catalogue #16: authorization and interaction pages forbid framing', async () => {
    const response = await fetch(await authorizeUrl({}), { redirect: 'manual' })
    const interaction = new URL(response.headers.get('location') ?? '', h.issuer)
    const agent = new BrowserAgent()
    for (const url of [
      await authorizeUrl({ client_id: 'x' }),
      interaction.href,
      `${h.issuer}/account`,
    ]) {
      const page = await agent.request(url)
      assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
      assert.equal(page.headers.get('x-frame-options'), 'DENY')
    }
  })

  void it('catalogue #15: form posts are answered with 303, never 307', async () => {
    const agent = new BrowserAgent()
    const first = await agent.follow(await authorizeUrl({}), REDIRECT_URI)
    const action = /action="([^"]+\/login)"/.exec(first.html ?? '')?.[1] ?? ''
    const csrf = /name="csrf" value="([^"]+)"/.exec(first.html ?? '')?.[1] ?? ''
    const response = await agent.request(new URL(action, h.issuer).href, {
      form: { csrf, username: 'alice', password: 'correct horse battery' },
    })
    assert.equal(response.status, 303)
  })

  void it('catalogue #23: an authorization request without PKCE is refused', async () => {
    const result = await attempt({ code_challenge: undefined, code_challenge_method: undefined })
    assert.match(result.location ?? '', /error=invalid_request/)
    assert.match(result.location ?? '', /requires\+PKCE/)
  })

  for (const method of ['plain', undefined, 'S512']) {
    void it(`catalogue #24: PKCE method ${method ?? '(omitted)'} is refused (S256 only)`, async () => {
      const result = await attempt({
        code_challenge: 'a'.repeat(43),
        code_challenge_method: method,
      })
      assert.match(result.location ?? '', /error=invalid_request/)
    })
  }

  void it('catalogue #25: a missing or wrong code_verifier is invalid_grant', async () => {
    const result = await authorize(h)
    const code = result.callback.searchParams.get('code') ?? ''
    const missing = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: PUBLIC_CLIENT,
    })
    assert.equal(missing.body['error'], 'invalid_grant')
    const wrong = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: PUBLIC_CLIENT,
      code_verifier: oauth.generateRandomCodeVerifier(),
    })
    assert.equal(wrong.body['error'], 'invalid_grant')
  })

  void it('catalogue #26: PKCE downgrade — a code_verifier for a request without challenge gets nothing', async () => {
    // Without a challenge the authorization request itself is refused (#23), so no code exists
    // to downgrade; a verifier with a forged code is invalid_grant.
    const result = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code: 'forged-code',
      redirect_uri: REDIRECT_URI,
      client_id: PUBLIC_CLIENT,
      code_verifier: oauth.generateRandomCodeVerifier(),
    })
    assert.equal(result.body['error'], 'invalid_grant')
  })

  void it('catalogue #8: redirect_uri mismatch at the token endpoint is invalid_grant and does not consume the code', async () => {
    const result = await authorize(h)
    const code = result.callback.searchParams.get('code') ?? ''
    const mismatch = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:7777/other',
      client_id: PUBLIC_CLIENT,
      code_verifier: result.verifier,
    })
    assert.equal(mismatch.body['error'], 'invalid_grant')
    const tokens = await redeem(h, result)
    assert.ok(tokens.access_token)
  })

  void it('catalogue #29: a reused code is invalid_grant and revokes what it issued', async () => {
    const result = await authorize(h)
    const tokens = await redeem(h, result)
    const code = result.callback.searchParams.get('code') ?? ''
    const again = await tokenRequest(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: PUBLIC_CLIENT,
      code_verifier: result.verifier,
    })
    assert.equal(again.body['error'], 'invalid_grant')
    const refresh = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: PUBLIC_CLIENT,
    })
    assert.equal(refresh.body['error'], 'invalid_grant')
    const introspection = await fetch(h.as.introspection_endpoint ?? '', {
      method: 'POST',
      headers: {
        authorization: basic(RS_CLIENT, RS_SECRET),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: tokens.access_token }).toString(),
    })
    assert.equal(((await introspection.json()) as { active: boolean }).active, false)
  })

  void it('catalogue #30: of parallel redemptions of one code exactly one succeeds', async () => {
    const result = await authorize(h)
    const code = result.callback.searchParams.get('code') ?? ''
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        tokenRequest(h, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: PUBLIC_CLIENT,
          code_verifier: result.verifier,
        }),
      ),
    )
    assert.equal(attempts.filter((a) => a.status === 200).length, 1)
  })

  void it('catalogue #31: a code is bound to its client', async () => {
    const result = await authorize(h)
    const code = result.callback.searchParams.get('code') ?? ''
    const stolen = await tokenRequest(
      h,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: result.verifier,
      },
      { authorization: basic(RS_CLIENT, RS_SECRET) },
    )
    assert.ok(
      stolen.body['error'] === 'invalid_grant' ||
        stolen.body['error'] === 'unauthorized_client' ||
        stolen.body['error'] === 'invalid_request',
    )
    assert.ok((await redeem(h, result)).access_token)
  })

  void it('catalogue #34: codes and refresh tokens carry at least 128 bits of randomness', async () => {
    const result = await authorize(h)
    const code = result.callback.searchParams.get('code') ?? ''
    const tokens = await redeem(h, result)
    // base64url: 6 bits per character.
    assert.ok(code.length * 6 >= 128)
    assert.ok((tokens.refresh_token ?? '').length * 6 >= 128)
  })

  void it('catalogue #40: double client authentication (Basic and body secret) is refused', async () => {
    const result = await tokenRequest(
      h,
      {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        client_id: GATEWAY_CLIENT,
        client_secret: GATEWAY_SECRET,
      },
      { authorization: basic(GATEWAY_CLIENT, GATEWAY_SECRET) },
    )
    assert.equal(result.body['error'], 'invalid_request')
  })

  void it('catalogue #46: token responses are not cacheable', async () => {
    const result = await authorize(h)
    const params = oauth.validateAuthResponse(h.as, publicClient(), result.callback, result.state)
    const response = await oauth.authorizationCodeGrantRequest(
      h.as,
      publicClient(),
      oauth.None(),
      params,
      REDIRECT_URI,
      result.verifier,
      insecure,
    )
    assert.equal(response.headers.get('cache-control'), 'no-store')
  })

  void it('catalogue #91: an unknown resource is invalid_target', async () => {
    const result = await attempt({ resource: 'https://evil.example/mcp' })
    assert.match(result.location ?? '', /error=invalid_target/)
  })
})
