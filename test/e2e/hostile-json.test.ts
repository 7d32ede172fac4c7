// Issue 11, defect 9: JSON and form bodies on `mandate serve` are bounded in depth and size,
// and answered with the right OAuth error, never a 500.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { rawRequest } from '../support/raw-http.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { startServe, tempDir } from './support/mandate-e2e.ts'

const REDIRECT = 'http://127.0.0.1:9/cb'
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

void describe('mandate serve: bounded JSON and form bodies (issue 11, defect 9)', () => {
  const dir = tempDir('mandate-e2e-json-')
  let serve: MandateProcess
  before(async () => {
    serve = await startServe(['--data-dir', dir.path])
  })
  after(async () => {
    await serve.stop()
    dir.remove()
  })

  const register = async (body: string | Uint8Array, type = 'application/json') => {
    const response = await fetch(new URL('/oauth/register', serve.url), {
      method: 'POST',
      headers: { 'content-type': type },
      body: typeof body === 'string' ? body : Buffer.from(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  void it('issue 11 defect 9: a 5,000-deep array in a registration member is 400 invalid_client_metadata', async () => {
    for (const member of ['software_id', 'x_unknown', 'contacts']) {
      const answer = await register(
        `{"redirect_uris":["${REDIRECT}"],"${member}":${deepArray(5_000)}}`,
      )
      assert.equal(answer.status, 400, member)
      assert.equal(answer.body['error'], 'invalid_client_metadata')
    }
  })

  void it('issue 11 defect 9: deep objects, depth just over the bound, and a deep top level are refused', async () => {
    for (const body of [
      `{"redirect_uris":["${REDIRECT}"],"jwks":${deepObject(3_000)}}`,
      `{"redirect_uris":["${REDIRECT}"],"software_id":${deepArray(64)}}`,
      deepArray(50_000),
    ]) {
      const answer = await register(body)
      assert.equal(answer.status, 400)
      assert.match(String(answer.body['error']), /^(invalid_client_metadata|invalid_request)$/)
    }
  })

  void it('issue 11 defect 9: too large, invalid UTF-8 and malformed bodies are 400 invalid_request', async () => {
    const large = `{"redirect_uris":["${REDIRECT}"],"client_name":"${'n'.repeat(60 * 1024)}"}`
    const invalidUtf8 = Buffer.concat([
      Buffer.from(`{"redirect_uris":["${REDIRECT}"],"client_name":"`),
      Buffer.from([0xc0, 0xaf, 0xff]),
      Buffer.from('"}'),
    ])
    for (const body of [large, invalidUtf8, '{"redirect_uris":', '{"a":1}{"b":2}']) {
      const answer = await register(body)
      assert.equal(answer.status, 400)
      assert.equal(answer.body['error'], 'invalid_request')
    }
  })

  void it('positive control: ordinary metadata with nested members (jwks, brackets in strings) registers', async () => {
    const answer = await register(
      JSON.stringify({
        redirect_uris: [REDIRECT],
        client_name: '[[[[{{{{ not nesting }}}}]]]]',
        jwks: {
          keys: [
            {
              kty: 'EC',
              crv: 'P-256',
              x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
              y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
              use: 'sig',
            },
          ],
        },
        token_endpoint_auth_method: 'private_key_jwt',
      }),
    )
    assert.equal(answer.status, 201)
    assert.match(String(answer.body['client_id']), /^dcr_/)
  })

  void it('issue 11 defect 9: a deep JSON body at the token and introspection endpoints is 400, not 500', async () => {
    const port = Number(serve.url.port)
    for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
      const answer = await rawRequest(
        port,
        [`POST ${path} HTTP/1.1`, `Host: ${serve.url.host}`, 'Content-Type: application/json'],
        deepArray(20_000),
      )
      assert.equal(answer.status, 400, path)
      assert.equal((JSON.parse(answer.body) as { error: string }).error, 'invalid_request')
    }
  })

  void it('issue 11: form posts to our pages are bounded before they are buffered (413)', async () => {
    for (const path of [
      '/account/grants/revoke',
      '/oauth/interaction/x/login',
      `/connect/${'A'.repeat(43)}`,
    ]) {
      const response = await rawRequest(
        Number(serve.url.port),
        [
          `POST ${path} HTTP/1.1`,
          `Host: ${serve.url.host}`,
          'Content-Type: application/x-www-form-urlencoded',
        ],
        `csrf=${'x'.repeat(1024 * 1024)}`,
      )
      assert.equal(response.status, 413, path)
    }
    // Positive control: a small form to the same route is read and refused for what it says.
    const small = await fetch(new URL('/account/grants/revoke', serve.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
      redirect: 'manual',
    })
    await small.body?.cancel()
    assert.notEqual(small.status, 413)
    assert.ok(small.status < 500)
  })
})
