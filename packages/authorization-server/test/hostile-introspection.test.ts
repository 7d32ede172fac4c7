// Hostile introspection (issue 11 defect 5, catalogue #48): who may learn what a token is.
// A token is described only to its own client or to the configured introspection client of the
// resource it was minted for; everyone else gets `{"active":false}` (RFC 7662 §2.2), never an
// error that would confirm the token exists.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oauth from 'oauth4webapi'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import {
  authorize,
  basic,
  GATEWAY,
  GATEWAY_CLIENT,
  GATEWAY_SECRET,
  insecure,
  PASSWORD,
  PUBLIC_CLIENT,
  publicClient,
  redeem,
  REDIRECT_URI,
  RESOURCE,
  RS_CLIENT,
  RS_SECRET,
  startServer,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'
import { introspectionAudiences } from '../src/provider/introspection-policy.ts'
import { resolveAuthorizationServerConfig } from '../src/index.ts'

type Answer = { status: number; body: Record<string, unknown> }

void describe('hostile introspection (defect 5)', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let alice: oauth.TokenEndpointResponse
  let aliceGateway: oauth.TokenEndpointResponse
  let dcr: { id: string; secret: string }

  const introspect = async (
    token: string,
    authorization: Record<string, string>,
    form: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(h.as.introspection_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...authorization },
      body: new URLSearchParams({ token, ...form }).toString(),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  const register = async (metadata: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(h.as.registration_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  const confidentialDcr = {
    client_name: 'curious',
    redirect_uris: ['https://evil.example/cb'],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }
  const rs = { authorization: basic(RS_CLIENT, RS_SECRET) }
  const asDcr = (): Record<string, string> => ({ authorization: basic(dcr.id, dcr.secret) })

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    alice = await redeem(h, await authorize(h))
    aliceGateway = await redeem(h, await authorize(h, { resource: GATEWAY }))
    const registered = await register(confidentialDcr)
    assert.equal(registered.status, 201)
    dcr = {
      id: String(registered.body['client_id']),
      secret: String(registered.body['client_secret']),
    }
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  void it('defect 5: a DCR confidential client gets active=false for another user’s access token', async () => {
    const answer = await introspect(alice.access_token, asDcr())
    assert.equal(answer.status, 200)
    assert.deepEqual(answer.body, { active: false })
  })

  void it('defect 5: a DCR confidential client gets active=false for another user’s refresh token', async () => {
    const answer = await introspect(alice.refresh_token ?? '', asDcr())
    assert.deepEqual(answer.body, { active: false })
  })

  void it('positive control: the resource’s own introspection client sees its token (sub, scope, aud)', async () => {
    const answer = await introspect(alice.access_token, rs)
    assert.equal(answer.body['active'], true)
    assert.equal(typeof answer.body['sub'], 'string')
    assert.equal(answer.body['aud'], RESOURCE)
    assert.equal(answer.body['client_id'], PUBLIC_CLIENT)
    assert.match(String(answer.body['scope']), /tools:read/)
  })

  void it('defect 5: the resource client gets active=false for a token of another audience', async () => {
    assert.deepEqual((await introspect(aliceGateway.access_token, rs)).body, { active: false })
  })

  void it('defect 5: refresh tokens are described only to their own client, not to resources', async () => {
    assert.deepEqual((await introspect(alice.refresh_token ?? '', rs)).body, { active: false })
  })

  void it('defect 5: an operator confidential client that is not an introspection client learns nothing', async () => {
    const gateway = { authorization: basic(GATEWAY_CLIENT, GATEWAY_SECRET) }
    assert.deepEqual((await introspect(alice.access_token, gateway)).body, { active: false })
  })

  void it('defect 5: token_type_hint lies neither grant nor hide anything', async () => {
    for (const hint of ['refresh_token', 'access_token', 'client_credentials', 'bogus']) {
      const stranger = await introspect(alice.access_token, asDcr(), { token_type_hint: hint })
      assert.deepEqual(stranger.body, { active: false }, hint)
      const refresh = await introspect(alice.refresh_token ?? '', rs, { token_type_hint: hint })
      assert.deepEqual(refresh.body, { active: false }, hint)
      // Positive control: the hint is only a hint (RFC 7662 §2.1).
      assert.equal(
        (await introspect(alice.access_token, rs, { token_type_hint: hint })).body['active'],
        true,
      )
    }
  })

  void it('defect 5: a public client (DCR or operator) learns nothing of a token it does not hold', async () => {
    const registered = await register({
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      application_type: 'native',
    })
    const stranger = await introspect(
      alice.access_token,
      {},
      {
        client_id: String(registered.body['client_id']),
      },
    )
    assert.deepEqual(stranger.body, { active: false })
    // Positive control (catalogue #48): a client may introspect its own token.
    const own = await oauth.processIntrospectionResponse(
      h.as,
      publicClient(),
      await oauth.introspectionRequest(
        h.as,
        publicClient(),
        oauth.None(),
        alice.access_token,
        insecure,
      ),
    )
    assert.equal(own.active, true)
  })

  void it('defect 5: a DCR request that smuggles introspection rights gets none', async () => {
    const registered = await register({
      ...confidentialDcr,
      client_name: 'smuggler',
      introspection: true,
      introspectionClients: [RESOURCE],
      introspection_resources: [RESOURCE],
      resources: { [RESOURCE]: { introspectionClients: ['x'] } },
    })
    assert.equal(registered.status, 201)
    for (const key of ['introspection', 'introspectionClients', 'introspection_resources']) {
      assert.equal(key in registered.body, false, key)
    }
    const smuggler = {
      authorization: basic(
        String(registered.body['client_id']),
        String(registered.body['client_secret']),
      ),
    }
    assert.deepEqual((await introspect(alice.access_token, smuggler)).body, { active: false })
  })

  void it('defect 5: a revoked token is inactive even to its resource', async () => {
    await h.server.users
      .add({ username: 'revoked-user', password: PASSWORD })
      .catch(() => undefined)
    const tokens = await redeem(h, await authorize(h, { username: 'revoked-user' }))
    assert.equal((await introspect(tokens.access_token, rs)).body['active'], true)
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        h.as,
        publicClient(),
        oauth.None(),
        tokens.access_token,
        insecure,
      ),
    )
    assert.deepEqual((await introspect(tokens.access_token, rs)).body, { active: false })
  })

  void it('defect 5: garbage and wrong credentials', async () => {
    assert.deepEqual((await introspect('not-a-token', rs)).body, { active: false })
    const wrong = await introspect(alice.access_token, {
      authorization: basic(RS_CLIENT, 'wrong-secret-0123456789abcdef012345'),
    })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.body['error'], 'invalid_client')
  })

  void it('config: only operator-configured confidential clients can be introspection clients', () => {
    const base = serverOptions('https://as.example.test', store)
    const withClients = (ids: string[]) => ({
      ...base,
      resources: { [RESOURCE]: { scopes: ['tools:read'], introspectionClients: ids } },
    })
    assert.throws(() => resolveAuthorizationServerConfig(withClients([PUBLIC_CLIENT])), {
      code: 'ERR_AS_CONFIG',
      message: /not a configured confidential client/,
    })
    assert.throws(() => resolveAuthorizationServerConfig(withClients(['dcr_0123'])), {
      code: 'ERR_AS_CONFIG',
      message: /not a configured confidential client/,
    })
    assert.deepEqual(
      [
        ...(introspectionAudiences(resolveAuthorizationServerConfig(withClients([RS_CLIENT]))).get(
          RS_CLIENT,
        ) ?? []),
      ],
      [RESOURCE],
    )
  })
})
