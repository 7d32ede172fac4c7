// Catalogue #37–#39 against a real server: `private_key_jwt` client authentication (RFC 7523)
// at the introspection endpoint of two instances sharing one store. oauth4webapi sends the
// valid assertion; jose builds the malformed ones oauth4webapi would refuse to send.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import * as oauth from 'oauth4webapi'
import type { ClientMetadata } from 'oidc-provider'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { insecure, startServer } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'
import type { Harness } from './support/harness.ts'

const CLIENT = 'pkjwt-backend'
const PINNED = 'pkjwt-pinned-es256'

void describe('catalogue #37–#39: private_key_jwt client authentication', () => {
  const backend = sqliteBackend()
  let store: Store
  let a: Harness
  let b: Harness
  let es: { privateKey: CryptoKey; jwk: JWK }
  let ed: { privateKey: CryptoKey; jwk: JWK }

  before(async () => {
    const key = async (alg: string, kid: string) => {
      const pair = await generateKeyPair(alg, { extractable: true })
      return { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid } }
    }
    es = await key('ES256', 'es')
    ed = await key('EdDSA', 'ed')
    store = await backend.open({ migrate: true })
    const overrides = (issuer: string) => {
      const clients = serverOptions(issuer, store).clients ?? []
      const confidential: Omit<ClientMetadata, 'client_id'> = {
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [es.jwk, ed.jwk] },
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      }
      const extra: ClientMetadata[] = [
        { ...confidential, client_id: CLIENT },
        { ...confidential, client_id: PINNED, token_endpoint_auth_signing_alg: 'ES256' },
      ]
      return { clients: [...clients, ...extra] }
    }
    a = await startServer(store, overrides)
    b = await startServer(store, overrides)
  })
  after(async () => {
    await b.close()
    await a.close()
    await store.close()
    await backend.cleanup()
  })

  interface AssertionInput {
    clientId?: string
    alg?: string
    key?: CryptoKey
    claims?: Record<string, unknown>
    omit?: string[]
  }
  const assertion = async (h: Harness, input: AssertionInput = {}): Promise<string> => {
    const clientId = input.clientId ?? CLIENT
    const now = Math.floor(Date.now() / 1000)
    const claims: Record<string, unknown> = {
      iss: clientId,
      sub: clientId,
      aud: h.issuer,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...input.claims,
    }
    const omitted = new Set(input.omit ?? [])
    const payload = Object.fromEntries(Object.entries(claims).filter(([k]) => !omitted.has(k)))
    const alg = input.alg ?? 'ES256'
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: alg === 'EdDSA' ? 'ed' : 'es' })
      .sign(input.key ?? (alg === 'EdDSA' ? ed.privateKey : es.privateKey))
  }
  const introspect = async (h: Harness, jwt: string, clientId = CLIENT): Promise<number> => {
    const response = await fetch(h.as.introspection_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: 'not-a-token',
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      }).toString(),
    })
    const body = (await response.json()) as { error?: string }
    if (response.status === 401) assert.equal(body.error, 'invalid_client')
    // A `sub` that names another client than the request's client_id (RFC 7523 §3).
    if (response.status === 400) assert.equal(body.error, 'invalid_request')
    return response.status
  }

  void it('a client authenticates with private_key_jwt through oauth4webapi', async () => {
    const response = await oauth.introspectionRequest(
      a.as,
      { client_id: CLIENT },
      oauth.PrivateKeyJwt(es.privateKey),
      'not-a-token',
      insecure,
    )
    const result = await oauth.processIntrospectionResponse(a.as, { client_id: CLIENT }, response)
    assert.equal(result.active, false)
    // The control for the negative tests below: a well-formed hand-made assertion passes.
    assert.equal(await introspect(a, await assertion(a)), 200)
  })

  const cases: [string, AssertionInput | ((h: Harness) => AssertionInput), number?][] = [
    ['the token endpoint as aud', (h) => ({ claims: { aud: h.as.token_endpoint } })],
    [
      'the introspection endpoint as aud',
      (h) => ({ claims: { aud: h.as.introspection_endpoint } }),
    ],
    ['aud as an array holding the issuer', (h) => ({ claims: { aud: [h.issuer] } })],
    ['another audience', { claims: { aud: 'https://elsewhere.example.test' } }],
    ['no sub', { omit: ['sub'] }],
    ['sub other than the client', { claims: { sub: 'someone-else' } }, 400],
    ['an expired exp', { claims: { exp: Math.floor(Date.now() / 1000) - 300 } }],
    ['no exp', { omit: ['exp'] }],
    ['no jti', { omit: ['jti'] }],
    ['no iss', { omit: ['iss'] }],
    ['iss other than the client', { claims: { iss: 'someone-else' } }],
    ['a lifetime beyond 5 minutes', { claims: { exp: Math.floor(Date.now() / 1000) + 3_600 } }],
  ]
  for (const [name, input, status = 401] of cases) {
    void it(`catalogue #37: an assertion with ${name} is refused`, async () => {
      const resolved = typeof input === 'function' ? input(a) : input
      assert.equal(await introspect(a, await assertion(a, resolved)), status)
    })
  }

  void it('catalogue #38: a replayed assertion jti is refused, also by another instance', async () => {
    const jwt = await assertion(a)
    assert.equal(await introspect(a, jwt), 200)
    assert.equal(await introspect(a, jwt), 401)
    // The jti is recorded in the shared store (setIfAbsent): an assertion with the same
    // jti is refused by the other instance too (each test instance has its own issuer, so
    // the second assertion is signed anew for it).
    const jti = randomUUID()
    assert.equal(await introspect(a, await assertion(a, { claims: { jti } })), 200)
    assert.equal(await introspect(b, await assertion(b, { claims: { jti } })), 401)
  })

  void it('catalogue #39: symmetric and unsigned assertions are refused', async () => {
    const secret = new TextEncoder().encode('a-shared-secret-of-sufficient-length-000')
    const now = Math.floor(Date.now() / 1000)
    const hmac = await new SignJWT({
      iss: CLIENT,
      sub: CLIENT,
      aud: a.issuer,
      jti: randomUUID(),
      exp: now + 60,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret)
    assert.equal(await introspect(a, hmac), 401)
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: CLIENT, sub: CLIENT, aud: a.issuer, jti: randomUUID(), exp: now + 60 }),
    ).toString('base64url')}.`
    assert.equal(await introspect(a, unsigned), 401)
  })

  void it('catalogue #39: a client that registered an algorithm must use exactly it', async () => {
    assert.equal(await introspect(a, await assertion(a, { clientId: PINNED }), PINNED), 200)
    const eddsa = await assertion(a, { clientId: PINNED, alg: 'EdDSA' })
    assert.equal(await introspect(a, eddsa, PINNED), 401)
    // The same EdDSA key is fine for the client that did not pin an algorithm.
    assert.equal(await introspect(a, await assertion(a, { alg: 'EdDSA' })), 200)
  })

  void it('discovery advertises private_key_jwt with asymmetric algorithms only', () => {
    const methods = a.as.token_endpoint_auth_methods_supported ?? []
    assert.ok(methods.includes('private_key_jwt'))
    assert.ok(!methods.includes('client_secret_jwt'))
    assert.deepEqual([...(a.as.token_endpoint_auth_signing_alg_values_supported ?? [])].sort(), [
      'ES256',
      'EdDSA',
      'PS256',
      'RS256',
    ])
  })
})
