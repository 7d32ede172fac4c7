// Issue 11, defect 11 and the logs class: secrets in paths (connect-link ids, interaction
// uids), query strings, headers and request bodies never reach a log line of `mandate serve`,
// even at debug level; ordinary paths are logged as they are.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { rawRequest } from '../support/raw-http.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { startServe, tempDir } from './support/mandate-e2e.ts'

const secret = (label: string) => `${label}${randomBytes(16).toString('hex')}`
const linkId = () => randomBytes(32).toString('base64url').slice(0, 43)

/** Parsed JSON log lines printed so far. */
const logLines = (serve: MandateProcess): Record<string, unknown>[] =>
  serve
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)

void describe('mandate serve logs no secret (issue 11, defect 11)', () => {
  const dir = tempDir('mandate-e2e-logs-')
  let serve: MandateProcess
  let port: number
  before(async () => {
    serve = await startServe(['--data-dir', dir.path, '--log-level', 'debug'])
    port = Number(serve.url.port)
  })
  after(async () => {
    await serve.stop()
    dir.remove()
  })
  const get = (target: string, headers: string[] = []) =>
    rawRequest(port, [`GET ${target} HTTP/1.1`, `Host: ${serve.url.host}`, ...headers])

  void it('issue 11 defect 11: a connect-link id in the path is never logged, however the path is spelled', async () => {
    const ids = Array.from({ length: 6 }, linkId)
    const targets = [
      `/connect/${ids[0] ?? ''}`,
      `/connect/${ids[1] ?? ''}/`,
      `//connect/${ids[2] ?? ''}`,
      `/conn%65ct/${ids[3] ?? ''}`,
      `/Connect/${ids[4] ?? ''}`,
      `/connect/${ids[5] ?? ''}?from=mail`,
    ]
    for (const target of targets) {
      const answer = await get(target)
      assert.ok(answer.status < 500)
    }
    const post = await rawRequest(
      port,
      [
        `POST /connect/${ids[0] ?? ''} HTTP/1.1`,
        `Host: ${serve.url.host}`,
        'Content-Type: application/x-www-form-urlencoded',
      ],
      'csrf=x',
    )
    assert.ok(post.status < 500)
    const output = serve.output()
    for (const id of ids) assert.ok(!output.includes(id), 'a connect-link id is in the output')
    assert.ok(logLines(serve).some((line) => line['path'] === '/connect/[redacted]'))
  })

  void it('issue 11 defect 11: an interaction uid (authorization in progress) is never logged', async () => {
    const registered = await fetch(new URL('/oauth/register', serve.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'] }),
    })
    const { client_id: clientId } = (await registered.json()) as { client_id: string }
    const authorize = new URL('/oauth/authorize', serve.url)
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      scope: 'notes:read',
      resource: serve.mcpUrl,
      code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    const started = await fetch(authorize, { redirect: 'manual' })
    const location = started.headers.get('location') ?? ''
    const uid = /\/oauth\/interaction\/([\w-]+)/.exec(location)?.[1]
    assert.ok(uid !== undefined)
    const cookie = started.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    for (const path of [
      `/oauth/interaction/${uid}`,
      `/oauth/interaction/${uid}/abort`,
      `/oauth/authorize/${uid}`,
    ]) {
      const answer = await get(path, [`Cookie: ${cookie}`])
      assert.ok(answer.status < 500)
    }
    assert.ok(!serve.output().includes(uid), 'the interaction uid is in the output')
  })

  void it('logs class: secrets in query strings, headers and bodies are never logged', async () => {
    const values = {
      code: secret('code'),
      token: secret('tok'),
      refresh: secret('ref'),
      bearer: secret('bearer'),
      dpop: secret('dpop'),
      cookie: secret('cookie'),
      basic: secret('basic'),
      password: secret('pw'),
      clientSecret: secret('cs'),
    }
    await get(`/oauth/token?code=${values.code}&access_token=${values.token}`)
    await get(`/nope?refresh_token=${values.refresh}`)
    await get(`/mcp?access_token=${values.token}`, [`Authorization: Bearer ${values.bearer}`])
    await get('/mcp', [`Authorization: DPoP ${values.bearer}`, `DPoP: ${values.dpop}`])
    await get('/account', [`Cookie: _session=${values.cookie}; _session.sig=${values.cookie}`])
    await rawRequest(
      port,
      [
        'POST /oauth/token HTTP/1.1',
        `Host: ${serve.url.host}`,
        'Content-Type: application/x-www-form-urlencoded',
        `Authorization: Basic ${Buffer.from(`x:${values.basic}`).toString('base64')}`,
      ],
      `grant_type=refresh_token&refresh_token=${values.refresh}`,
    )
    await rawRequest(
      port,
      [
        'POST /oauth/register HTTP/1.1',
        `Host: ${serve.url.host}`,
        'Content-Type: application/json',
      ],
      JSON.stringify({
        redirect_uris: ['javascript:alert(1)'],
        client_secret: values.clientSecret,
      }),
    )
    await rawRequest(
      port,
      [
        'POST /oauth/interaction/nope/login HTTP/1.1',
        `Host: ${serve.url.host}`,
        'Content-Type: application/x-www-form-urlencoded',
      ],
      `username=alice&password=${values.password}`,
    )
    const output = serve.output()
    for (const [name, value] of Object.entries(values)) {
      assert.ok(!output.includes(value), `${name} is in the output`)
    }
  })

  void it('positive control: ordinary paths, and the connect routes that are not capabilities, are logged unchanged', async () => {
    await get('/healthz')
    await get('/connect/callback?state=x')
    await get('/.well-known/openid-configuration')
    const paths = new Set(logLines(serve).map((line) => line['path']))
    for (const path of ['/healthz', '/connect/callback', '/.well-known/openid-configuration']) {
      assert.ok(paths.has(path), `${path} is logged`)
    }
  })
})
