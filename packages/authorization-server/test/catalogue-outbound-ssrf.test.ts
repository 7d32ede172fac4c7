// Issue 11 #12 against a real server: every outbound fetch the authorization server makes
// (client `jwks_uri`, `sector_identifier_uri`, CIMD, upstream IdP discovery) is resolved and
// classified BEFORE connecting. A real HTTPS listener on 127.0.0.1 counts TCP connections: a
// refused fetch opens none. Positive control: with 127.0.0.1 in `allowedPrivateHosts` the same
// fetch reaches the listener.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { BrowserAgent, parseForm } from './support/browser-agent.ts'
import { REDIRECT_URI, RESOURCE, startServer } from './support/harness.ts'
import { selfSignedLoopbackCert } from './support/self-signed-cert.ts'
import type { Harness } from './support/harness.ts'

const { key: tlsKey, cert } = selfSignedLoopbackCert()

void describe('issue 11 #12: outbound fetches of the authorization server', () => {
  const backend = sqliteBackend()
  let store: Store
  let strict: Harness
  let allowed: Harness
  let target: Server
  let base = ''
  let connections = 0
  const hits: string[] = []
  let key: { privateKey: CryptoKey; jwk: JWK }

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    key = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1' } }
    target = createServer({ key: tlsKey, cert }, (req, res) => {
      const path = req.url ?? ''
      hits.push(path)
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      }
      if (path === '/jwks') json({ keys: [key.jwk] })
      else if (path === '/sector.json') json([REDIRECT_URI])
      else if (path.startsWith('/cimd/')) json(cimdDocument(`${base}${path}`))
      else if (path === '/.well-known/openid-configuration') json(idpMetadata(base))
      else res.writeHead(404).end()
    })
    target.on('connection', () => (connections += 1))
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    base = `https://127.0.0.1:${String((target.address() as AddressInfo).port)}`
    store = await backend.open({ migrate: true })
    const upstream = { issuer: base, clientId: 'mandate', name: 'Acme IdP' }
    strict = await startServer(store, { cimdCa: cert, upstream })
    allowed = await startServer(store, {
      cimdCa: cert,
      upstream,
      allowedPrivateHosts: ['127.0.0.1'],
    })
  })
  after(async () => {
    await allowed.close()
    await strict.close()
    await store.close()
    await backend.cleanup()
    target.closeAllConnections()
    await new Promise((resolve) => target.close(resolve))
  })

  /** Runs `action`; returns how many TCP connections the listener saw meanwhile. */
  const counting = async <T>(action: () => Promise<T>): Promise<{ result: T; opened: number }> => {
    const before = connections
    const result = await action()
    return { result, opened: connections - before }
  }

  const register = async (h: Harness, metadata: Record<string, unknown>) => {
    const response = await fetch(h.as.registration_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [REDIRECT_URI],
        application_type: 'native',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        ...metadata,
      }),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  /** A token request authenticated with private_key_jwt; the code itself is bogus. */
  const tokenWithAssertion = async (h: Harness, clientId: string) => {
    const now = Math.floor(Date.now() / 1000)
    const assertion = await new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: h.issuer,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(key.privateKey)
    const response = await fetch(h.as.token_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'not-a-code',
        redirect_uri: REDIRECT_URI,
        code_verifier: 'x'.repeat(43),
        client_id: clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    })
    return { status: response.status, body: (await response.json()) as { error?: string } }
  }

  const pkjwtClient = async (jwksUri: string): Promise<string> => {
    const registered = await register(strict, {
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks_uri: jwksUri,
    })
    assert.equal(registered.status, 201, JSON.stringify(registered.body))
    return String(registered.body['client_id'])
  }

  void it('issue 11 #12: a private_key_jwt client whose jwks_uri is on loopback makes no connection', async () => {
    const clientId = await pkjwtClient(`${base}/jwks`)
    const refused = await counting(() => tokenWithAssertion(strict, clientId))
    assert.equal(refused.opened, 0)
    assert.equal(refused.result.status, 401)
    assert.equal(refused.result.body.error, 'invalid_client')
    // Positive control: allow-listed, the keys are fetched and the client authenticates (the
    // bogus code is what fails then).
    hits.length = 0
    const fetched = await counting(() => tokenWithAssertion(allowed, clientId))
    assert.ok(fetched.opened > 0)
    assert.deepEqual(hits, ['/jwks'])
    assert.equal(fetched.result.body.error, 'invalid_grant')
  })

  // The allow-list names hosts: another name or literal for the same address is not on it.
  for (const spelling of ['localhost', '[::ffff:127.0.0.1]']) {
    void it(`issue 11 #12: jwks_uri https://${spelling}:port/jwks is refused before connecting, even with 127.0.0.1 allow-listed`, async () => {
      const clientId = await pkjwtClient(`https://${spelling}:${new URL(base).port}/jwks`)
      const refused = await counting(() => tokenWithAssertion(allowed, clientId))
      assert.equal(refused.opened, 0)
      assert.equal(refused.result.body.error, 'invalid_client')
    })
  }

  for (const spelling of ['2130706433', '0x7f.1', '017700000001', '127.1']) {
    void it(`issue 11 #12: jwks_uri with the numeric loopback spelling ${spelling} is refused before connecting`, async () => {
      const clientId = await pkjwtClient(`https://${spelling}:${new URL(base).port}/jwks`)
      const refused = await counting(() => tokenWithAssertion(strict, clientId))
      assert.equal(refused.opened, 0)
      assert.equal(refused.result.body.error, 'invalid_client')
    })
  }

  void it('issue 11 #12: a sector_identifier_uri on loopback is refused at registration without a connection', async () => {
    const metadata = { sector_identifier_uri: `${base}/sector.json` }
    const refused = await counting(() => register(strict, metadata))
    assert.equal(refused.opened, 0)
    assert.equal(refused.result.status, 400)
    assert.equal(refused.result.body['error'], 'invalid_client_metadata')
    hits.length = 0
    const fetched = await counting(() => register(allowed, metadata))
    assert.equal(fetched.result.status, 201, JSON.stringify(fetched.result.body))
    assert.ok(fetched.opened > 0)
    assert.deepEqual(hits, ['/sector.json'])
  })

  const authorize = async (h: Harness, clientId: string, extra: Record<string, string> = {}) => {
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'tools:read',
      resource: RESOURCE,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...extra,
    }).toString()
    const response = await fetch(url, { redirect: 'manual' })
    const location = response.headers.get('location') ?? ''
    return { status: response.status, body: await response.text(), location }
  }

  void it('issue 11 #12: a CIMD document on loopback is not fetched, not even a TCP connect', async () => {
    const clientId = `${base}/cimd/client.json`
    const refused = await counting(() => authorize(strict, clientId))
    assert.equal(refused.opened, 0)
    assert.equal(refused.result.status, 400)
    assert.match(refused.result.body, /invalid_client/)
    hits.length = 0
    const fetched = await counting(() => authorize(allowed, clientId))
    assert.ok(fetched.opened > 0)
    assert.deepEqual(hits, ['/cimd/client.json'])
    assert.equal(fetched.result.status, 303)
  })

  for (const host of ['0x7f.1', 'localhost', '[::ffff:7f00:1]']) {
    void it(`issue 11 #12: a CIMD client_id on the loopback spelling ${host} is refused before connecting`, async () => {
      const clientId = `https://${host}:${new URL(base).port}/cimd/client.json`
      const refused = await counting(() => authorize(strict, clientId))
      assert.equal(refused.result.status, 400)
      assert.match(refused.result.body, /invalid_client/)
      assert.equal(refused.opened, 0)
    })
  }

  void it('issue 11 #12: a request_uri pointing at loopback is never fetched', async () => {
    const { result, opened } = await counting(() =>
      authorize(allowed, 'mcp-client', { request_uri: `${base}/request.jwt` }),
    )
    assert.equal(opened, 0)
    // Only PAR's `urn:` request_uris exist here (RFC 9126); a URL is refused, never fetched.
    const error =
      result.location === '' ? result.body : new URL(result.location).searchParams.get('error')
    assert.match(error ?? '', /request_uri_not_supported/)
  })

  const upstreamStart = async (h: Harness) => {
    const agent = new BrowserAgent()
    const login = await agent.follow(
      `${h.as.authorization_endpoint ?? ''}?${new URLSearchParams({
        client_id: 'mcp-client',
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'tools:read',
        resource: RESOURCE,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString()}`,
      REDIRECT_URI,
    )
    const form = parseForm(login.html ?? '', '/upstream')
    return counting(async () => {
      const step = await agent.follow(new URL(form.action, h.issuer).href, base, {
        form: form.fields,
      })
      return { step, status: agent.lastStatus }
    })
  }

  void it('issue 11 #12: upstream IdP discovery on loopback is refused before connecting', async () => {
    const refused = await upstreamStart(strict)
    assert.equal(refused.opened, 0)
    assert.equal(refused.result.status, 502)
    assert.match(refused.result.step.html ?? '', /Signing in with the external provider failed/)
    // Positive control: allow-listed, discovery is fetched and the browser is sent upstream.
    hits.length = 0
    const fetched = await upstreamStart(allowed)
    assert.ok(fetched.opened > 0)
    assert.deepEqual(hits, ['/.well-known/openid-configuration'])
    assert.ok(fetched.result.step.location?.startsWith(`${base}/authorize?`))
  })
})

function cimdDocument(clientId: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: 'CIMD client',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    application_type: 'native',
  }
}

function idpMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  }
}
