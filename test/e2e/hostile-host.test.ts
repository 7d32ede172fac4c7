// Issue 11, defect 8: a request that names another origin (absolute-form target, forwarded
// headers, Host) never reaches metadata or redirects; every URL comes from the public URL.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { rawRequest } from '../support/raw-http.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { startServe, tempDir } from './support/mandate-e2e.ts'

const DISCOVERY = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-protected-resource/mcp',
]

/** Every string value in a metadata document that is a URL must be on `origin`. */
function assertUrlsOn(body: string, origin: string): void {
  const urls = [...body.matchAll(/"(https?:\/\/[^"]+)"/g)].map((match) => match[1] ?? '')
  assert.ok(urls.length > 0)
  for (const url of urls) assert.equal(new URL(url).origin, origin, `${url} is on ${origin}`)
}

void describe('mandate serve: request targets and forwarded headers (issue 11, defect 8)', () => {
  const dir = tempDir('mandate-e2e-host-')
  let serve: MandateProcess
  let port: number
  let host: string
  before(async () => {
    serve = await startServe(['--data-dir', dir.path])
    port = Number(serve.url.port)
    host = serve.url.host
  })
  after(async () => {
    await serve.stop()
    dir.remove()
  })

  void it('issue 11 defect 8: an absolute-form target for another origin is 421 on every discovery path', async () => {
    for (const path of DISCOVERY) {
      const answer = await rawRequest(port, [
        `GET http://evil.example${path} HTTP/1.1`,
        `Host: ${host}`,
      ])
      assert.equal(answer.status, 421, path)
      assert.doesNotMatch(answer.body, /evil\.example/)
    }
    // ...and on the protocol endpoints oidc-provider serves, and on a POST.
    const authorize = await rawRequest(port, [
      `GET https://evil.example/oauth/authorize?client_id=x HTTP/1.1`,
      `Host: ${host}`,
    ])
    assert.equal(authorize.status, 421)
    const register = await rawRequest(
      port,
      [
        'POST http://evil.example/oauth/register HTTP/1.1',
        `Host: ${host}`,
        'Content-Type: application/json',
      ],
      JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'] }),
    )
    assert.equal(register.status, 421)
    assert.doesNotMatch(register.body, /evil\.example/)
  })

  void it('issue 11 defect 8: X-Forwarded-Host, X-Forwarded-Proto and Forwarded that disagree are 421', async () => {
    for (const header of [
      'X-Forwarded-Host: evil.example',
      `X-Forwarded-Host: ${host}, evil.example`,
      'X-Forwarded-Proto: https',
      'Forwarded: host=evil.example',
      'Forwarded: for=192.0.2.1;proto=https',
      'Forwarded: for=192.0.2.1;host="evil.example:443"',
    ]) {
      const answer = await rawRequest(port, [
        'GET /.well-known/openid-configuration HTTP/1.1',
        `Host: ${host}`,
        header,
      ])
      assert.equal(answer.status, 421, header)
    }
    const wrongHost = await rawRequest(port, [
      'GET /.well-known/openid-configuration HTTP/1.1',
      'Host: evil.example',
    ])
    assert.equal(wrongHost.status, 421)
  })

  void it('positive control: origin-form with the right Host (or agreeing forwarded headers) is 200 with URLs on the public origin', async () => {
    for (const path of DISCOVERY) {
      for (const extra of [[], [`X-Forwarded-Host: ${host}`, 'X-Forwarded-Proto: http']]) {
        const answer = await rawRequest(port, [`GET ${path} HTTP/1.1`, `Host: ${host}`, ...extra])
        assert.equal(answer.status, 200, path)
        assertUrlsOn(answer.body, serve.url.origin)
      }
      // An absolute-form target naming the public origin itself is fine (RFC 9112 §3.2.2).
      const own = await rawRequest(port, [
        `GET ${serve.url.origin}${path} HTTP/1.1`,
        `Host: ${host}`,
      ])
      assert.equal(own.status, 200)
      assertUrlsOn(own.body, serve.url.origin)
    }
    // Health checks come from load balancers by address.
    const health = await rawRequest(port, ['GET /healthz HTTP/1.1', 'Host: 10.0.0.7:8080'])
    assert.equal(health.status, 200)
  })
})

void describe('mandate serve behind a trusted proxy (authorizationServer.trustProxy)', () => {
  const dir = tempDir('mandate-e2e-proxy-')
  let serve: MandateProcess
  let port: number
  before(async () => {
    const config = join(dir.path, 'config.json')
    writeFileSync(config, JSON.stringify({ authorizationServer: { trustProxy: true } }))
    serve = await startServe(['--data-dir', dir.path, '--config', config])
    port = Number(serve.url.port)
  })
  after(async () => {
    await serve.stop()
    dir.remove()
  })

  void it('issue 11 defect 8: the proxy owns Host, but forwarded headers and absolute-form targets must name the public URL', async () => {
    const forged = await rawRequest(port, [
      'GET /.well-known/openid-configuration HTTP/1.1',
      'Host: backend.internal:8080',
      'X-Forwarded-Host: evil.example',
    ])
    assert.equal(forged.status, 421)
    const absolute = await rawRequest(port, [
      'GET http://evil.example/.well-known/openid-configuration HTTP/1.1',
      'Host: backend.internal:8080',
    ])
    assert.equal(absolute.status, 421)
  })

  void it('positive control: a rewritten Host still yields URLs built from the public URL', async () => {
    for (const extra of [[], [`X-Forwarded-Host: ${serve.url.host}`, 'X-Forwarded-Proto: http']]) {
      const answer = await rawRequest(port, [
        'GET /.well-known/openid-configuration HTTP/1.1',
        'Host: backend.internal:8080',
        ...extra,
      ])
      assert.equal(answer.status, 200)
      assertUrlsOn(answer.body, serve.url.origin)
    }
  })
})
