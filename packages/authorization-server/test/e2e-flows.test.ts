// End-to-end: oauth4webapi (a third-party client library) runs every flow against a real
// authorization server on 127.0.0.1:0 backed by SQLite.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import { decodeJwt, decodeProtectedHeader, createRemoteJWKSet, jwtVerify } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import {
  authorize,
  GATEWAY,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  DOWNSTREAM,
  insecure,
  PASSWORD,
  PUBLIC_CLIENT,
  publicClient,
  redeem,
  RESOURCE,
  RS_CLIENT,
  RS_SECRET,
  startServer,
  tokenRequest,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { listGrantsOf } from '../src/grants/grant-summaries.ts'

void describe('authorization server end to end (oauth4webapi)', () => {
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

  void it('discovery: RFC 8414 and OpenID documents agree and advertise what MCP needs', async () => {
    const a = (await (
      await fetch(`${h.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>
    const b = (await (
      await fetch(`${h.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>
    assert.deepEqual(a, b)
    assert.equal(a['issuer'], h.issuer)
    assert.deepEqual(a['code_challenge_methods_supported'], ['S256'])
    assert.equal(a['client_id_metadata_document_supported'], true)
    assert.equal(a['authorization_response_iss_parameter_supported'], true)
    assert.ok((a['dpop_signing_alg_values_supported'] as string[]).includes('ES256'))
    assert.ok(
      (a['grant_types_supported'] as string[]).includes(
        'urn:ietf:params:oauth:grant-type:token-exchange',
      ),
    )
    assert.deepEqual(a['response_types_supported'], ['code'])
    assert.equal(a['token_endpoint'], `${h.issuer}/oauth/token`)
  })

  void it('code + PKCE + DPoP + resource → RFC 9068 JWT bound to the DPoP key, audience exactly the resource', async () => {
    const dpop = oauth.DPoP(publicClient(), await oauth.generateKeyPair('ES256'))
    const result = await authorize(h)
    assert.equal(result.callback.searchParams.get('iss'), h.issuer)
    assert.equal(result.callback.searchParams.get('state'), result.state)
    const tokens = await redeem(h, result, dpop)
    assert.equal(tokens.token_type.toLowerCase(), 'dpop')
    assert.ok(tokens.refresh_token)
    assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt')
    const jwks = createRemoteJWKSet(new URL(h.as.jwks_uri ?? ''))
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: h.issuer,
      audience: RESOURCE,
      typ: 'at+jwt',
    })
    assert.equal(payload.aud, RESOURCE)
    assert.equal(payload['client_id'], 'mcp-client')
    assert.equal(payload['scope'], 'tools:read tools:write')
    assert.ok((payload['cnf'] as { jkt?: string }).jkt)
    assert.equal(payload['acr'], 'pwd')
    assert.ok((payload.exp ?? 0) - (payload.iat ?? 0) <= 300)
  })

  void it('consent: an unticked scope is not in the token', async () => {
    // A user of its own: alice's consent is remembered from the tests above.
    await h.server.users.add({ username: 'june', password: PASSWORD })
    const result = await authorize(h, { username: 'june', untick: ['tools:write'] })
    const tokens = await redeem(h, result)
    assert.equal(decodeJwt(tokens.access_token)['scope'], 'tools:read')
    // What was granted is remembered: asking for it alone needs no consent page.
    const granted = await authorize(h, { username: 'june', scope: 'tools:read' })
    assert.equal(granted.consentShown, false)
    assert.equal(decodeJwt((await redeem(h, granted)).access_token)['scope'], 'tools:read')
    // A request that names the declined scope again asks the person again (a step-up must be
    // possible), and a second "no" is respected as the first was.
    const declinedAgain = await authorize(h, { username: 'june', untick: ['tools:write'] })
    assert.equal(declinedAgain.consentShown, true)
    assert.equal(decodeJwt((await redeem(h, declinedAgain)).access_token)['scope'], 'tools:read')
  })

  void it('step-up: a scope declined once is granted when the person ticks it later', async () => {
    await h.server.users.add({ username: 'kim', password: PASSWORD })
    const declined = await authorize(h, { username: 'kim', untick: ['tools:write'] })
    assert.equal(decodeJwt((await redeem(h, declined)).access_token)['scope'], 'tools:read')
    const stepUp = await authorize(h, { username: 'kim' })
    assert.equal(stepUp.consentShown, true)
    const scopes = String(decodeJwt((await redeem(h, stepUp)).access_token)['scope']).split(' ')
    assert.deepEqual(scopes.sort(), ['tools:read', 'tools:write'])
    // And now remembered: no page for the same request.
    const after = await authorize(h, { username: 'kim' })
    assert.equal(after.consentShown, false)
  })

  void it('consent is remembered per user and client across sessions; revoking the grant forgets it', async () => {
    await h.server.users.add({ username: 'henry', password: PASSWORD })
    const as = { username: 'henry', scope: 'tools:read' }
    const first = await authorize(h, as)
    assert.equal(first.consentShown, true)
    await redeem(h, first)
    // A new browser session, same client, same scopes: signing in is enough.
    const second = await authorize(h, as)
    assert.equal(second.consentShown, false)
    const tokens = await redeem(h, second)
    assert.equal(decodeJwt(tokens.access_token)['scope'], 'tools:read')
    // Wider scopes: asked again.
    const wider = await authorize(h, { ...as, scope: 'tools:read tools:write' })
    assert.equal(wider.consentShown, true)
    // Another resource is another consent.
    const other = await authorize(h, { ...as, resource: DOWNSTREAM, scope: 'tools:read' })
    assert.equal(other.consentShown, true)

    const user = await h.server.users.findByUsername('henry')
    const grants = await listGrantsOf(store, user?.id ?? '')
    assert.equal(grants.length, 1)
    await h.server.revokeGrant(grants[0]?.grantId ?? '')
    const refresh = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: PUBLIC_CLIENT,
    })
    assert.equal(refresh.body['error'], 'invalid_grant')
    assert.equal((await authorize(h, as)).consentShown, true)
  })

  void it('RFC 8252 §8.6: a native client is never authorized silently on an existing session', async () => {
    await h.server.users.add({ username: 'ivy', password: PASSWORD })
    const first = await authorize(h, { username: 'ivy', scope: 'tools:read' })
    // Same browser session (no sign-in this time), same request: the consent page is shown.
    const again = await authorize(h, { username: 'ivy', scope: 'tools:read', agent: first.agent })
    assert.equal(again.consentShown, true)
  })

  void it('refresh rotation keeps the resource; the old refresh token no longer works', async () => {
    const tokens = await redeem(h, await authorize(h))
    const first = tokens.refresh_token ?? ''
    const client = publicClient()
    const refreshed = await oauth.processRefreshTokenResponse(
      h.as,
      client,
      await oauth.refreshTokenGrantRequest(h.as, client, oauth.None(), first, insecure),
    )
    assert.notEqual(refreshed.refresh_token, first)
    assert.equal(decodeJwt(refreshed.access_token).aud, RESOURCE)
    const reuse = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: first,
      client_id: 'mcp-client',
    })
    assert.equal(reuse.body['error'], 'invalid_grant')
  })

  void it('introspection and revocation: a revoked access token is active=false', async () => {
    const tokens = await redeem(h, await authorize(h))
    const rs: oauth.Client = { client_id: RS_CLIENT }
    const auth = oauth.ClientSecretBasic(RS_SECRET)
    const active = await oauth.processIntrospectionResponse(
      h.as,
      rs,
      await oauth.introspectionRequest(h.as, rs, auth, tokens.access_token, insecure),
    )
    assert.equal(active.active, true)
    assert.equal(active.sub, decodeJwt(tokens.access_token).sub)
    const client = publicClient()
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(h.as, client, oauth.None(), tokens.access_token, insecure),
    )
    const revoked = await oauth.processIntrospectionResponse(
      h.as,
      rs,
      await oauth.introspectionRequest(h.as, rs, auth, tokens.access_token, insecure),
    )
    assert.equal(revoked.active, false)
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        h.as,
        client,
        oauth.None(),
        tokens.refresh_token ?? '',
        insecure,
      ),
    )
    const rt = await oauth.processIntrospectionResponse(
      h.as,
      rs,
      await oauth.introspectionRequest(h.as, rs, auth, tokens.refresh_token ?? '', insecure),
    )
    assert.equal(rt.active, false)
  })

  void it('token exchange: the gateway gets a token for one downstream resource with an act claim', async () => {
    const tokens = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const gateway: oauth.Client = { client_id: GATEWAY_CLIENT }
    const response = await oauth.genericTokenEndpointRequest(
      h.as,
      gateway,
      oauth.ClientSecretBasic(GATEWAY_SECRET),
      'urn:ietf:params:oauth:grant-type:token-exchange',
      {
        subject_token: tokens.access_token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: DOWNSTREAM,
        scope: 'tools:read',
      },
      insecure,
    )
    const exchanged = await oauth.processGenericTokenEndpointResponse(h.as, gateway, response)
    const claims = decodeJwt(exchanged.access_token)
    assert.equal(claims.aud, DOWNSTREAM)
    assert.equal(claims['scope'], 'tools:read')
    assert.deepEqual(claims['act'], { sub: GATEWAY_CLIENT, act: { sub: PUBLIC_CLIENT } })
    assert.equal(claims.sub, decodeJwt(tokens.access_token).sub)
    assert.ok((claims.exp ?? 0) <= (decodeJwt(tokens.access_token).exp ?? 0))
  })
})
