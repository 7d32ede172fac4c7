// Authorization requests that name no scope (issue 11 defect 13; RFC 6749 §3.3, RFC 8707 §2).
// Decision: default, not refuse. The request asks for the resource's default scopes (each still
// on the consent page); without `resource` it targets the default resource; with no resource to
// pick it is refused before sign-in with `invalid_scope` and a description.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import { decodeJwt } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import {
  authorize,
  DOWNSTREAM,
  PUBLIC_CLIENT,
  redeem,
  REDIRECT_URI,
  RESOURCE,
  startServer,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'
import { resolveAuthorizationServerConfig } from '../src/index.ts'

void describe('requests without scope (defect 13)', () => {
  const backend = sqliteBackend()
  let store: Store
  let several: Harness
  let withDefault: Harness
  let single: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    several = await startServer(store, (issuer) => ({
      resources: {
        ...serverOptions(issuer, store).resources,
        [RESOURCE]: { scopes: ['tools:read', 'tools:write'], defaultScopes: ['tools:read'] },
      },
    }))
    withDefault = await startServer(store, { defaultResource: DOWNSTREAM })
    single = await startServer(store, {
      resources: { [RESOURCE]: { scopes: ['tools:read', 'tools:write'] } },
      tokenExchange: { policies: [] },
    })
  })
  after(async () => {
    await single.close()
    await withDefault.close()
    await several.close()
    await store.close()
    await backend.cleanup()
  })

  void it('defect 13: no scope → the resource’s default scopes are consented and granted', async () => {
    const result = await authorize(several, { scope: '' })
    assert.equal(result.consentShown, true)
    assert.equal(result.callback.searchParams.get('error'), null)
    const tokens = await redeem(several, result)
    const claims = decodeJwt(tokens.access_token)
    assert.equal(claims.aud, RESOURCE)
    assert.equal(claims['scope'], 'tools:read')
  })

  void it('defect 13: no scope and no resource with several resources → invalid_scope before sign-in', async () => {
    const url = new URL(several.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: PUBLIC_CLIENT,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString()
    const response = await fetch(url, { redirect: 'manual' })
    assert.equal(response.status, 303)
    const location = new URL(response.headers.get('location') ?? '')
    assert.equal(location.searchParams.get('error'), 'invalid_scope')
    assert.match(location.searchParams.get('error_description') ?? '', /no scope requested/)
  })

  void it('positive control: with defaultResource, no scope and no resource targets that resource', async () => {
    const tokens = await redeem(
      withDefault,
      await authorize(withDefault, { scope: '', resource: '' }),
    )
    const claims = decodeJwt(tokens.access_token)
    assert.equal(claims.aud, DOWNSTREAM)
    assert.equal(claims['scope'], 'tools:read')
  })

  void it('positive control: an explicit scope is not widened by the defaults', async () => {
    const tokens = await redeem(several, await authorize(several, { scope: 'tools:write' }))
    assert.equal(decodeJwt(tokens.access_token)['scope'], 'tools:write')
  })

  // The MCP conformance scenario `authorization-code-grant` (modelcontextprotocol/conformance,
  // src/scenarios/authorization-server/authorization-code-grant.ts; not in the 0.1.16 release
  // installed here, which has no authorization-server scenarios), step for step: a
  // pre-registered public client, loopback redirect, PKCE S256, state, and no scope or resource.
  void it('MCP conformance authorization-code-grant: no scope, no resource → code and token', async () => {
    const result = await authorize(single, { scope: '', resource: '' })
    const url = result.callback
    assert.equal(`${url.origin}${url.pathname}`, REDIRECT_URI)
    assert.equal(url.searchParams.getAll('code').length, 1)
    assert.notEqual(url.searchParams.get('code'), '')
    assert.deepEqual(url.searchParams.getAll('state'), [result.state])
    assert.deepEqual(url.searchParams.getAll('iss'), [single.issuer])
    assert.equal(url.searchParams.has('code_challenge'), false)
    assert.equal(url.searchParams.has('error'), false)
    const response = await fetch(single.as.token_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: url.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: result.verifier,
        client_id: PUBLIC_CLIENT,
      }).toString(),
    })
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /application\/json/)
    assert.match(response.headers.get('cache-control') ?? '', /no-store/)
    const body = (await response.json()) as Record<string, unknown>
    assert.equal(typeof body['access_token'], 'string')
    assert.equal(typeof body['token_type'], 'string')
    assert.equal(decodeJwt(String(body['access_token'])).aud, RESOURCE)
  })

  void it('config: defaultScopes and defaultResource must name configured things', () => {
    const base = serverOptions('https://as.example.test', store)
    assert.throws(
      () =>
        resolveAuthorizationServerConfig({
          ...base,
          resources: { [RESOURCE]: { scopes: ['tools:read'], defaultScopes: ['admin'] } },
        }),
      { code: 'ERR_AS_CONFIG', message: /defaultScopes/ },
    )
    assert.throws(
      () =>
        resolveAuthorizationServerConfig({ ...base, defaultResource: 'https://nowhere.example/' }),
      { code: 'ERR_AS_CONFIG', message: /defaultResource/ },
    )
  })
})
