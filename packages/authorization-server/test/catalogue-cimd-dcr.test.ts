// Catalogue section I against a real server: Client ID Metadata Documents served over HTTPS
// on loopback (self-signed certificate made with openssl), SSRF refusal, domain policy, and
// Dynamic Client Registration hygiene.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeJwt } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { authorize, redeem, REDIRECT_URI, startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'

const dir = mkdtempSync(join(tmpdir(), 'mandate-cimd-'))
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ],
  { stdio: 'ignore' },
)
const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')

void describe('catalogue I: CIMD, SSRF and DCR', () => {
  const backend = sqliteBackend()
  let store: Store
  let dev: Harness
  let strict: Harness
  let denying: Harness
  let documents: Server
  let base = ''
  const hits = new Map<string, number>()

  const doc = (path: string, extra: Record<string, unknown> = {}) => ({
    client_id: `${base}${path}`,
    client_name: 'CIMD client',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    application_type: 'native',
    ...extra,
  })

  before(async () => {
    documents = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      const path = req.url ?? ''
      hits.set(path, (hits.get(path) ?? 0) + 1)
      const json = (body: unknown) => {
        res
          .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' })
          .end(JSON.stringify(body))
      }
      if (path === '/client.json') json(doc(path))
      else if (path === '/mismatch.json') json(doc('/other.json'))
      else if (path === '/secret.json')
        json(doc(path, { token_endpoint_auth_method: 'client_secret_basic' }))
      else if (path === '/with-secret.json')
        json(doc(path, { client_secret: 'nope-nope-nope-nope' }))
      else if (path === '/redirect.json')
        res.writeHead(302, { location: '/redirect-target.json' }).end()
      // What a followed redirect would find: a document valid for the redirecting client_id.
      else if (path === '/redirect-target.json') json(doc('/redirect.json'))
      else if (path === '/big.json') json(doc(path, { client_name: 'x'.repeat(200_000) }))
      else if (path === '/ssrf.json') json(doc(path))
      else res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve))
    base = `https://127.0.0.1:${String((documents.address() as AddressInfo).port)}`
    store = await backend.open({ migrate: true })
    dev = await startServer(store, {
      allowPrivateCimdHosts: true,
      cimdCa: cert,
    })
    strict = await startServer(store)
    denying = await startServer(store, {
      allowPrivateCimdHosts: true,
      cimdCa: cert,
      cimd: { denyDomains: ['127.0.0.1'] },
    })
  })
  after(async () => {
    await denying.close()
    await strict.close()
    await dev.close()
    await store.close()
    await backend.cleanup()
    documents.closeAllConnections()
    await new Promise((resolve) => documents.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  const authorizeStatus = async (
    h: Harness,
    clientId: string,
  ): Promise<{ status: number; body: string }> => {
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'tools:read',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString()
    const response = await fetch(url, { redirect: 'manual' })
    return { status: response.status, body: await response.text() }
  }

  void it('a CIMD client completes code + PKCE + resource with oauth4webapi', async () => {
    const clientId = `${base}/client.json`
    const result = await authorize(dev, { clientId })
    const tokens = await redeem(dev, result, undefined, REDIRECT_URI, clientId)
    assert.equal(decodeJwt(tokens.access_token)['client_id'], clientId)
  })

  void it('catalogue #135: a CIMD document on a loopback address is not fetched without the development switch', async () => {
    const result = await authorizeStatus(strict, `${base}/ssrf.json`)
    assert.equal(result.status, 400)
    assert.match(result.body, /invalid_client/)
    assert.equal(hits.get('/ssrf.json') ?? 0, 0)
  })

  void it('catalogue #137: a CIMD redirect is not followed', async () => {
    const result = await authorizeStatus(dev, `${base}/redirect.json`)
    assert.equal(result.status, 400)
    assert.ok((hits.get('/redirect.json') ?? 0) >= 1, 'the document URL itself was fetched')
    assert.equal(hits.get('/redirect-target.json') ?? 0, 0)
    assert.match(result.body, /invalid_client/)
  })

  for (const bad of [
    'http://127.0.0.1/client.json',
    'https://127.0.0.1',
    'https://user@127.0.0.1/client.json',
    'https://127.0.0.1/a/../client.json',
    'https://127.0.0.1/a/%2e%2e/client.json',
    'https://127.0.0.1/client.json#frag',
  ]) {
    void it(`catalogue #138: CIMD client_id URL ${bad} is refused`, async () => {
      const result = await authorizeStatus(dev, bad)
      assert.equal(result.status, 400)
    })
  }

  void it('catalogue #139: a document whose client_id differs from its URL is refused', async () => {
    assert.equal((await authorizeStatus(dev, `${base}/mismatch.json`)).status, 400)
  })

  void it('catalogue #140: a document with a symmetric auth method or a client_secret is refused', async () => {
    assert.equal((await authorizeStatus(dev, `${base}/secret.json`)).status, 400)
    assert.equal((await authorizeStatus(dev, `${base}/with-secret.json`)).status, 400)
  })

  void it('catalogue #141: an oversized document is refused', async () => {
    assert.equal((await authorizeStatus(dev, `${base}/big.json`)).status, 400)
  })

  void it('catalogue #142: CIMD fetches are budgeted per origin (path spraying)', async () => {
    // Its own store: the budget counts every fetch from the origin, on all instances.
    const own = sqliteBackend()
    const ownStore = await own.open({ migrate: true })
    const options = {
      allowPrivateCimdHosts: true,
      cimdCa: cert,
      cimd: { fetchesPerOriginPerMinute: 3 },
    }
    const first = await startServer(ownStore, options)
    const second = await startServer(ownStore, options)
    // Fetches made (oidc-provider may fetch a failing document twice in one request).
    const sprayed = () =>
      [...hits].filter(([path]) => path.startsWith('/spray/')).reduce((n, [, c]) => n + c, 0)
    try {
      const statuses: number[] = []
      // Distinct client_ids on one origin are distinct cache misses; both instances share
      // one budget.
      for (let i = 0; i < 6; i++) {
        const h = i % 2 === 0 ? first : second
        statuses.push((await authorizeStatus(h, `${base}/spray/${String(i)}.json`)).status)
      }
      assert.ok(statuses.every((status) => status === 400))
      assert.equal(sprayed(), 3)
      // A valid client on that origin is refused too until the minute is over.
      const before = hits.get('/client.json') ?? 0
      const result = await authorizeStatus(first, `${base}/client.json`)
      assert.match(result.body, /invalid_client/)
      assert.equal(hits.get('/client.json') ?? 0, before)
    } finally {
      await second.close()
      await first.close()
      await ownStore.close()
      await own.cleanup()
    }
  })

  void it('catalogue #146: the operator deny-list stops a CIMD fetch', async () => {
    const before = hits.get('/client.json') ?? 0
    const result = await authorizeStatus(denying, `${base}/client.json`)
    assert.equal(result.status, 400)
    assert.equal(hits.get('/client.json') ?? 0, before)
  })

  const register = async (h: Harness, metadata: Record<string, unknown>) => {
    const response = await fetch(h.as.registration_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }
  const dcrMetadata = {
    client_name: 'DCR client',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    application_type: 'native',
  }

  void it('a DCR client registers (deduplicated) and completes the flow', async () => {
    const first = await register(strict, dcrMetadata)
    assert.equal(first.status, 201)
    const again = await register(strict, dcrMetadata)
    assert.equal(again.body['client_id'], first.body['client_id'])
    const clientId = String(first.body['client_id'])
    const tokens = await redeem(
      strict,
      await authorize(strict, { clientId }),
      undefined,
      REDIRECT_URI,
      clientId,
    )
    assert.equal(decodeJwt(tokens.access_token)['client_id'], clientId)
    assert.ok(strict.audit.some((e) => e.type === 'client.registered'))
  })

  for (const uri of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,hi',
    'file:///etc/passwd',
    ' http://127.0.0.1:7777/cb',
    'http://127.0.0.1:7777/cb#frag',
    '/relative',
  ]) {
    void it(`catalogue #3: DCR refuses the redirect URI ${JSON.stringify(uri)}`, async () => {
      const result = await register(strict, { ...dcrMetadata, redirect_uris: [uri] })
      assert.equal(result.status, 400)
      assert.match(String(result.body['error']), /invalid_(redirect_uri|client_metadata)/)
    })
  }

  void it('catalogue #147: an unused DCR registration expires and the client is told invalid_client', async () => {
    const shortLived = await startServer(store, { dcr: { ttlSeconds: 1 } })
    const registered = await register(shortLived, { ...dcrMetadata, client_name: 'short-lived' })
    assert.equal(registered.status, 201)
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    const result = await authorizeStatus(shortLived, String(registered.body['client_id']))
    assert.equal(result.status, 400)
    assert.match(result.body, /invalid_client/)
    const token = await fetch(shortLived.as.token_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: String(registered.body['client_id']),
      }).toString(),
    })
    assert.equal(((await token.json()) as { error?: string }).error, 'invalid_client')
    await shortLived.close()
  })

  void it('catalogue #147: DCR is rate-limited per source address', async () => {
    // Its own store: the limit counts every registration attempt from the address.
    const own = sqliteBackend()
    const ownStore = await own.open({ migrate: true })
    const limited = await startServer(ownStore, { dcr: { perSourcePerHour: 4 } })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await register(limited, { ...dcrMetadata, client_name: `n${String(i)}` })).status,
      )
    await limited.close()
    await ownStore.close()
    await own.cleanup()
    assert.deepEqual(statuses.slice(0, 4), [201, 201, 201, 201])
    assert.equal(statuses[5], 429)
  })
})
