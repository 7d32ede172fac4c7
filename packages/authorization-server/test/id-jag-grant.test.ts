// The resource-application side of Enterprise-Managed Authorization (issue 17): ID-JAGs signed
// by a trusted IdP's key (served as a JWKS on 127.0.0.1) are redeemed with the RFC 7523 JWT
// bearer grant; every check has a refused case beside an accepted one.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWTPayload } from 'jose'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { TrustedEnterpriseIdp } from '../src/index.ts'
import { basic, PASSWORD, RESOURCE, startServer, tokenRequest } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { serverOptions } from './support/server-options.ts'

const CLIENT = { id: 'xaa-client', secret: 'xaa-client-secret-0123456789abcdef0123456' }
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const PUBLIC_XAA = 'xaa-public'

void describe('ID-JAG redemption (RFC 7523 JWT bearer grant)', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let idpKey: CryptoKey
  let strangerKey: CryptoKey
  let idpIssuer: string
  const idps: TrustedEnterpriseIdp[] = []
  const jwks = createServer()

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    idpKey = pair.privateKey
    strangerKey = (await generateKeyPair('ES256')).privateKey
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'ES256' }
    jwks.on('request', (_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [publicJwk] }))
    })
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
    const port = (jwks.address() as AddressInfo).port
    idpIssuer = `http://127.0.0.1:${String(port)}`
    idps.push(
      { issuer: idpIssuer, jwksUri: `${idpIssuer}/jwks`, subject: 'jit', allowInsecure: true },
      {
        issuer: `${idpIssuer}/by-email`,
        jwksUri: `${idpIssuer}/jwks`,
        subject: 'email',
        allowInsecure: true,
      },
    )
    store = await backend.open({ migrate: true })
    h = await startServer(store, (issuer) => ({
      clients: [
        ...(serverOptions(issuer, store).clients ?? []),
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: [JWT_BEARER],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: PUBLIC_XAA,
          token_endpoint_auth_method: 'none',
          grant_types: [JWT_BEARER],
          response_types: [],
          redirect_uris: [],
        },
      ],
      enterprise: { trustedIdps: idps },
    }))
    await h.server.users.add({ username: 'bob', password: PASSWORD, email: 'bob@corp.example' })
  })
  after(async () => {
    await h.close()
    jwks.closeAllConnections()
    await new Promise<void>((resolve) =>
      jwks.close(() => {
        resolve()
      }),
    )
    await store.close()
    await backend.cleanup()
  })

  async function idJag(
    claims: JWTPayload = {},
    header: Record<string, unknown> = {},
    key: CryptoKey = idpKey,
  ): Promise<string> {
    return new SignJWT({
      client_id: CLIENT.id,
      resource: RESOURCE,
      scope: 'tools:read',
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'oauth-id-jag+jwt', kid: 'idp-1', ...header })
      .setIssuer(claims.iss ?? idpIssuer)
      .setSubject(claims.sub ?? 'employee-42')
      .setAudience(claims.aud ?? h.issuer)
      .setJti(randomUUID())
      .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : undefined)
      .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : '2m')
      .sign(key)
  }
  const redeem = (assertion: string, form: Record<string, string> = {}) =>
    tokenRequest(
      h,
      { grant_type: JWT_BEARER, assertion, ...form },
      { authorization: basic(CLIENT.id, CLIENT.secret) },
    )

  void it('a valid ID-JAG gives an audience-bound token for a just-in-time user', async () => {
    const { status, body } = await redeem(await idJag())
    assert.equal(status, 200, JSON.stringify(body))
    const claims = decodeJwt(String(body['access_token']))
    assert.equal(claims.aud, RESOURCE)
    assert.equal(claims['client_id'], CLIENT.id)
    assert.equal(claims['scope'], 'tools:read')
    const user = await h.server.users.get(String(claims.sub))
    assert.equal(user?.upstreamIssuer, idpIssuer)
    assert.equal(body['refresh_token'], undefined)
  })

  void it('catalogue #132: typ must be oauth-id-jag+jwt (an access-token typ is refused)', async () => {
    assert.equal((await redeem(await idJag({}, { typ: 'at+jwt' }))).body['error'], 'invalid_grant')
    assert.equal((await redeem(await idJag({}, { typ: 'JWT' }))).body['error'], 'invalid_grant')
  })

  void it('catalogue #86: the signature must be by the IdP’s key', async () => {
    const forged = await idJag({}, {}, strangerKey)
    assert.equal((await redeem(forged)).body['error'], 'invalid_grant')
  })

  void it('catalogue #86: aud must be this server; an untrusted issuer is refused', async () => {
    const other = await idJag({ aud: 'https://elsewhere.example' })
    assert.equal((await redeem(other)).body['error'], 'invalid_grant')
    const stranger = await idJag({ iss: 'https://idp.unknown.example' })
    assert.equal((await redeem(stranger)).body['error'], 'invalid_grant')
  })

  void it('catalogue #86: a long-lived ID-JAG, or one issued in the future, is refused', async () => {
    const now = Math.floor(Date.now() / 1000)
    const long = await idJag({ exp: now + 3_600 })
    assert.equal((await redeem(long)).body['error'], 'invalid_grant')
    const future = await idJag({ iat: now + 600, exp: now + 700 })
    assert.equal((await redeem(future)).body['error'], 'invalid_grant')
  })

  void it('catalogue #134: a public client may not redeem an ID-JAG', async () => {
    const refused = await tokenRequest(h, {
      grant_type: JWT_BEARER,
      assertion: await idJag({ client_id: PUBLIC_XAA }),
      client_id: PUBLIC_XAA,
    })
    assert.equal(refused.body['error'], 'unauthorized_client')
  })

  void it('an expired ID-JAG is refused', async () => {
    const old = await idJag({ exp: Math.floor(Date.now() / 1000) - 120 })
    assert.equal((await redeem(old)).body['error'], 'invalid_grant')
  })

  void it('catalogue #133: client_id must be the authenticated client', async () => {
    const theirs = await idJag({ client_id: 'someone-else' })
    assert.equal((await redeem(theirs)).body['error'], 'invalid_grant')
  })

  void it('resource: a request naming another one, or one not served here, is refused', async () => {
    const mismatch = await redeem(await idJag(), { resource: 'https://tools.example.test/mcp' })
    assert.equal(mismatch.body['error'], 'invalid_target')
    const unknown = await idJag({ resource: 'https://unknown.example/mcp' })
    assert.equal((await redeem(unknown)).body['error'], 'invalid_target')
  })

  void it('scopes: at most those the ID-JAG allows', async () => {
    const wider = await redeem(await idJag(), { scope: 'tools:read tools:write' })
    assert.equal(wider.body['error'], 'invalid_scope')
    const narrower = await redeem(await idJag({ scope: 'tools:read tools:write' }), {
      scope: 'tools:write',
    })
    assert.equal(narrower.body['scope'], 'tools:write')
  })

  void it('catalogue #86: a jti is accepted once', async () => {
    const assertion = await idJag()
    assert.equal((await redeem(assertion)).status, 200)
    assert.equal((await redeem(assertion)).body['error'], 'invalid_grant')
  })

  void it('subject by email: the existing user, and none for an unknown address', async () => {
    const iss = `${idpIssuer}/by-email`
    const known = await redeem(await idJag({ iss, email: 'bob@corp.example' }))
    assert.equal(known.status, 200)
    const bob = await h.server.users.findByUsername('bob')
    assert.equal(decodeJwt(String(known.body['access_token'])).sub, bob?.id)
    const unknown = await redeem(await idJag({ iss, email: 'mallory@corp.example' }))
    assert.equal(unknown.body['error'], 'invalid_grant')
  })
})
