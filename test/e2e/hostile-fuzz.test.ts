// Issue 11: 2,000+ malformed requests across every endpoint of `mandate serve` (SQLite, demo
// on) answer without a single 5xx, and the server is healthy afterwards. Inputs are generated
// deterministically (test/e2e/support/fuzz-cases.ts).
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { rawRequest } from '../support/raw-http.ts'
import type { RawResponse } from '../support/raw-http.ts'
import { fuzzCases } from './support/fuzz-cases.ts'
import type { FuzzCase } from './support/fuzz-cases.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'

const COUNT = 2_100
const CONCURRENCY = 8
const CONNECT_ID = 'A'.repeat(43)

/** Every route of `mandate serve`, from the route tables of each component. */
function endpoints(uid: string, clientId: string): string[] {
  return [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
    '/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp',
    '/oauth/authorize',
    `/oauth/authorize/${uid}`,
    '/oauth/token',
    '/oauth/register',
    `/oauth/register/${clientId}`,
    '/oauth/introspect',
    '/oauth/revoke',
    '/oauth/jwks',
    '/oauth/userinfo',
    '/oauth/logout',
    '/oauth/par',
    ...[
      '',
      '/login',
      '/totp',
      '/enrol',
      '/continue',
      '/upstream',
      '/upstream-done',
      '/consent',
      '/abort',
    ].map((tail) => `/oauth/interaction/${uid}${tail}`),
    '/account',
    '/account/sign-in',
    '/account/signed-in',
    '/account/grants/revoke',
    '/account/reauth',
    '/account/mfa/enrol',
    '/account/mfa/confirm',
    '/account/mfa/done',
    '/account/mfa/recovery',
    '/account/mfa/disable',
    `/connect/${CONNECT_ID}`,
    '/connect/not-a-link',
    '/connect/callback',
    '/connect/accounts',
    '/connect/accounts/unlink',
    '/mcp',
    '/healthz',
    '/readyz',
    '/nope',
  ]
}

/** Huge and deep bodies on every endpoint that takes one. */
function targetedCases(paths: readonly string[], host: string): FuzzCase[] {
  const cases: FuzzCase[] = []
  const deep = `{"redirect_uris":["http://127.0.0.1:9/cb"],"software_id":${'['.repeat(5_000)}${']'.repeat(5_000)}}`
  for (const path of paths) {
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      cases.push({
        family: 'deep-json',
        head: [`POST ${path} HTTP/1.1`, `Host: ${host}`, `Content-Type: ${type}`],
        body: deep,
      })
    }
    cases.push({
      family: 'huge-body',
      head: [`POST ${path} HTTP/1.1`, `Host: ${host}`, 'Content-Type: application/json'],
      body: `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}`,
    })
    cases.push({
      family: 'bad-chunked',
      head: [
        `POST ${path} HTTP/1.1`,
        `Host: ${host}`,
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ],
      body: '5\r\n{"a":\r\nZZ\r\nnot hex\r\n0\r\n\r\n',
    })
    cases.push({
      family: 'length-mismatch',
      head: [
        `POST ${path} HTTP/1.1`,
        `Host: ${host}`,
        'Content-Type: application/json',
        'Content-Length: 10',
      ],
      body: '{"a":1}',
    })
  }
  return cases
}

void describe('mandate serve under 2,000+ malformed requests (issue 11)', () => {
  const dir = tempDir('mandate-e2e-fuzz-')
  let serve: MandateProcess
  let paths: string[] = []
  let interactionCookie = ''
  before(async () => {
    const dataDir = ['--data-dir', dir.path]
    await addUsers(dataDir, ['fuzz'])
    serve = await startServe(dataDir)
    const registered = await fetch(new URL('/oauth/register', serve.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], client_name: 'fuzz' }),
    })
    const { client_id: clientId } = (await registered.json()) as { client_id: string }
    const authorize = new URL('/oauth/authorize', serve.url)
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'openid notes:read',
      resource: serve.mcpUrl,
      code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'fuzz',
    }).toString()
    const started = await fetch(authorize, { redirect: 'manual' })
    const uid = /\/oauth\/interaction\/([\w-]+)/.exec(started.headers.get('location') ?? '')?.[1]
    assert.ok(uid !== undefined, 'an interaction started')
    interactionCookie = started.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ')
    paths = endpoints(uid, clientId)
  })
  after(async () => {
    await serve.stop()
    dir.remove()
  })

  void it('issue 11: no malformed input on any endpoint gets a 5xx, and the server stays healthy', async () => {
    const host = serve.url.host
    const port = Number(serve.url.port)
    const cases = [
      ...fuzzCases('mandate-issue-11', paths, host, COUNT),
      ...targetedCases(paths, host),
    ]
    // A third of the generated requests carry the live interaction's cookies, to reach past
    // the session checks.
    for (const [i, c] of cases.entries()) {
      if (i % 3 === 1 && !c.head.some((line) => line.startsWith('Cookie:')))
        c.head.push(`Cookie: ${interactionCookie}`)
    }
    const histogram = new Map<number, number>()
    const failures: { family: string; line: string; status: number }[] = []
    const dropped = new Set<string>()
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]
        if (c === undefined) continue
        let answer: RawResponse
        try {
          answer = await rawRequest(port, c.head, c.body)
        } catch {
          // The server may drop a connection it refuses to parse; that is not a 5xx.
          answer = { status: 0, headers: {}, body: '' }
        }
        histogram.set(answer.status, (histogram.get(answer.status) ?? 0) + 1)
        if (answer.status === 0) dropped.add(c.family)
        if (answer.status >= 500)
          failures.push({ family: c.family, line: c.head[0] ?? '', status: answer.status })
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    const summary = [...histogram.entries()].sort(([a], [b]) => a - b)
    console.log(
      `hostile sweep: ${String(cases.length)} requests over ${String(paths.length)} endpoints; status histogram ${JSON.stringify(Object.fromEntries(summary))}`,
    )
    if (dropped.size > 0) console.log(`dropped without an answer: ${[...dropped].join(', ')}`)
    assert.ok(cases.length >= 2_000)
    assert.deepEqual(failures.slice(0, 20), [], 'responses with status >= 500')

    // Still healthy, and still answering real requests.
    assert.equal((await fetch(new URL('/healthz', serve.url))).status, 200)
    assert.equal((await fetch(new URL('/readyz', serve.url))).status, 200)
    const metadata = await fetch(new URL('/.well-known/openid-configuration', serve.url))
    assert.equal(metadata.status, 200)
    const errors = serve
      .output()
      .split('\n')
      .filter((line) => /"level":"error"|Maximum call stack/.test(line))
    assert.deepEqual(errors, [])
  })
})
