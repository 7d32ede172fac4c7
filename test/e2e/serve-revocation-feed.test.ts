// End to end (issue 12): a resource server deployed apart from Mandate — its own process, no
// shared store — follows `mandate serve`'s signed HTTP revocation feed (GET /oauth/revocations,
// RFC 8417 SETs). Revocations at the AS reach it; a feed it cannot reach beyond
// `revocationStaleAfterMs` makes it refuse every token; tampered, unsigned and replayed feed
// pages are not applied; only the resource's configured client may read the feed.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import type { JSONWebKeySet } from 'jose'
import { createLogger, REVOCATION_SET_EVENT } from '@mandate/core'
import { httpRevocationFeed, RevocationListener } from '@mandate/server'
import { runCli } from '../support/cli.ts'
import { basic } from '../../packages/authorization-server/test/support/harness.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint, FeedResourceServer } from './support/revocation-e2e.ts'
import {
  assertRefused,
  callMcp,
  discover,
  FEED_CLIENT,
  FEED_SECRET,
  feedConfig,
  revokeAccess,
  signIn,
  startFeedResourceServer,
  untilAccepted,
  untilAudited,
  untilRefused,
} from './support/revocation-e2e.ts'

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin']

/** A verified token as the listener sees it, for `revokedByEvent`. */
function asVerified(token: string) {
  const claims = decodeJwt(token)
  return {
    issuer: String(claims.iss),
    sub: String(claims.sub),
    clientId: String(claims['client_id']),
    scopes: [],
    expiresAt: Number(claims.exp),
    issuedAt: Number(claims.iat),
    jti: String(claims.jti),
    acr: undefined,
    amr: [],
    authTime: undefined,
    act: undefined,
    jkt: undefined,
  }
}

void describe('a separately deployed resource server follows the HTTP revocation feed', () => {
  const dir = tempDir('mandate-e2e-feed-')
  const dataDir = ['--data-dir', dir.path]
  let serve: MandateProcess
  let rs: FeedResourceServer
  let endpoint: Endpoint
  let feedUrl: string

  before(async () => {
    await addUsers(dataDir, USERS)
    rs = await startFeedResourceServer()
    const config = join(dir.path, 'mandate.json')
    writeFileSync(config, JSON.stringify({ authorizationServer: feedConfig(rs.url) }))
    serve = await startServe([...dataDir, '--config', config])
    endpoint = await discover(serve.url.origin)
    const advertised = (endpoint.as as Record<string, unknown>)['mandate_revocation_feed_endpoint']
    feedUrl = typeof advertised === 'string' ? advertised : ''
    await rs.configure({ issuer: endpoint.issuer, staleAfterMs: 5_000, waitSeconds: 1 })
  })
  after(async () => {
    await rs.stop()
    // The last test kills the AS (SIGKILL); stop() is for a live process.
    if (serve.child.exitCode === null && serve.child.signalCode === null) await serve.stop()
    dir.remove()
  })

  it('the metadata names the feed; only the resource’s configured client reads it (client_secret_basic); no, wrong or DCR credentials get 401', async () => {
    assert.equal(feedUrl, `${endpoint.issuer}/oauth/revocations`)
    const read = (authorization?: string) =>
      fetch(`${feedUrl}?after=0`, {
        headers: authorization === undefined ? {} : { authorization },
      })
    // Positive control: the configured client reads signed SETs and a checkpoint.
    const ok = await read(basic(FEED_CLIENT, FEED_SECRET))
    assert.equal(ok.status, 200)
    assert.equal(ok.headers.get('cache-control'), 'no-store')
    const page = (await ok.json()) as { sets: string[]; cursor: number; checkpoint: string }
    const jwks = (await (await fetch(endpoint.as.jwks_uri ?? '')).json()) as JSONWebKeySet
    const verified = await jwtVerify(page.checkpoint, createLocalJWKSet(jwks), {
      issuer: endpoint.issuer,
      audience: FEED_CLIENT,
      typ: 'secevent+jwt',
    })
    assert.equal(typeof verified.payload['events'], 'object')

    const none = await read()
    assert.equal(none.status, 401)
    assert.match(none.headers.get('www-authenticate') ?? '', /^Basic/)
    assert.equal(((await none.json()) as { error: string }).error, 'invalid_client')
    assert.equal((await read(basic(FEED_CLIENT, `${FEED_SECRET}x`))).status, 401)
    // A confidential client registered by DCR has a secret but no right to the feed.
    const registered = await fetch(endpoint.as.registration_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'feed snooper',
        redirect_uris: ['https://snoop.example/cb'],
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }),
    })
    assert.equal(registered.status, 201)
    const dcr = (await registered.json()) as { client_id: string; client_secret: string }
    const snooped = await read(basic(dcr.client_id, dcr.client_secret))
    assert.equal(snooped.status, 401)
    assert.equal(((await snooped.json()) as { error: string }).error, 'invalid_client')
  })

  it('RFC 7009 revocation at the AS: the separate server refuses the token; another user is unaffected', async () => {
    const alice = await signIn(endpoint, 'alice', rs.url)
    const bob = await signIn(endpoint, 'bob', rs.url)
    assert.equal((await untilAccepted(rs.url, alice.access)).status, 200)
    assert.equal((await callMcp(rs.url, bob.access)).status, 200)
    await revokeAccess(endpoint, alice)
    assertRefused(await untilRefused(rs.url, alice.access))
    await untilAudited(rs, 'invalid_token: token revoked', 1)
    assert.equal((await callMcp(rs.url, bob.access)).status, 200)
  })

  it('mandate users disable and grants revoke (other processes, SQLite) reach the separate server', async () => {
    const carol = await signIn(endpoint, 'carol', rs.url)
    const dave = await signIn(endpoint, 'dave', rs.url)
    const bob = await signIn(endpoint, 'bob', rs.url)
    assert.equal((await untilAccepted(rs.url, carol.access)).status, 200)
    assert.equal((await callMcp(rs.url, dave.access)).status, 200)
    const disabled = await runCli(['users', 'disable', 'carol', ...dataDir])
    assert.equal(disabled.code, 0, disabled.stderr)
    assertRefused(await untilRefused(rs.url, carol.access))
    await untilAudited(rs, 'invalid_token: token revoked', 2)
    const listed = await runCli(['grants', 'list', 'dave', ...dataDir])
    const grantId = listed.stdout.trim().split(/\s+/)[0] ?? ''
    const revoked = await runCli(['grants', 'revoke', grantId, ...dataDir])
    assert.equal(revoked.code, 0, revoked.stderr)
    assertRefused(await untilRefused(rs.url, dave.access))
    await untilAudited(rs, 'invalid_token: token revoked', 3)
    assert.equal((await callMcp(rs.url, bob.access)).status, 200)
  })

  it('tampered, unsigned and replayed feed pages are not applied and do not keep a reader current', async (t) => {
    const erin = await signIn(endpoint, 'erin', rs.url)
    const bob = await signIn(endpoint, 'bob', rs.url)
    let mode: 'pass' | 'unsigned' | 'tampered' | 'replay' = 'pass'
    let genuineSet: string | undefined
    let firstPage: string | undefined
    // A machine in the middle of the feed (this test), rewriting pages per `mode`.
    const proxy = createServer((req, res) => {
      void (async () => {
        const target = new URL(feedUrl)
        target.search = new URL(req.url ?? '/', target).search
        const upstream = await fetch(target, {
          headers: { authorization: req.headers.authorization ?? '' },
        })
        let body = await upstream.text()
        firstPage ??= body
        const page = JSON.parse(body) as { sets: string[] }
        genuineSet ??= page.sets.at(-1)
        const forged = forgeSet(mode, genuineSet, asVerified(bob.access).jti)
        if (mode === 'replay') body = firstPage
        else if (forged !== undefined)
          body = JSON.stringify({ ...page, sets: [...page.sets, forged] })
        res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body)
      })().catch(() => res.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    t.after(() => {
      proxy.closeAllConnections()
      proxy.close()
    })
    const proxyUrl = `http://127.0.0.1:${String((proxy.address() as AddressInfo).port)}/feed`
    const warnings: string[] = []
    const reader = (staleAfterMs: number) => {
      const listener = new RevocationListener(
        httpRevocationFeed({
          issuer: endpoint.issuer,
          url: proxyUrl,
          clientId: FEED_CLIENT,
          clientSecret: FEED_SECRET,
          waitSeconds: 0,
          retryMs: 50,
          logger: createLogger({ level: 'warn', write: (line) => warnings.push(line) }),
        }),
        { staleAfterMs },
      )
      t.after(() => {
        listener.close()
      })
      return listener
    }
    const rejections = async (pattern: RegExp, count: number) => {
      const deadline = Date.now() + 60_000 // guards a hang only
      while (warnings.filter((w) => pattern.test(w)).length < count) {
        assert.ok(Date.now() < deadline, `no warning ${String(pattern)}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }

    const listener = reader(120_000)
    assert.equal(await listener.ready(60_000), true)
    // Positive control: a genuine revocation passes the proxy and is applied.
    await revokeAccess(endpoint, erin)
    const erinVerified = asVerified(erin.access)
    await new Promise<void>((resolve) => {
      const applied = (): void => {
        if (!listener.revokedByEvent(erinVerified, '')) return
        stop()
        resolve()
      }
      const stop = listener.onEvent(applied)
      applied()
    })
    const bobVerified = asVerified(bob.access)
    for (const forgery of ['unsigned', 'tampered'] as const) {
      warnings.length = 0
      mode = forgery
      await rejections(/revocation feed read failed/, 2)
      assert.equal(listener.revokedByEvent(bobVerified, ''), false, forgery)
    }
    // A replayed page (an old checkpoint, another nonce) never makes a reader current.
    warnings.length = 0
    mode = 'replay'
    const replayed = reader(1_000)
    await rejections(/stale or foreign checkpoint/, 2)
    assert.equal(await replayed.ready(1_500), false)
    mode = 'pass'
    assert.equal(await replayed.ready(60_000), true)
    assert.equal(replayed.revokedByEvent(erinVerified, ''), true)
  })

  it('the AS gone: after revocationStaleAfterMs the separate server refuses cached tokens', async () => {
    const bob = await signIn(endpoint, 'bob', rs.url)
    assert.equal((await untilAccepted(rs.url, bob.access)).status, 200)
    assert.equal((await callMcp(rs.url, bob.access)).status, 200)
    const exited = new Promise((resolve) => serve.child.once('exit', resolve))
    serve.child.kill('SIGKILL')
    await exited
    assertRefused(await untilRefused(rs.url, bob.access))
    await untilAudited(rs, 'invalid_token: revocation state unavailable', 1)
    await rs.printed(/revocation feed read failed/)
  })
})

/** An unsigned SET (`alg: none`) or a genuine one with its payload changed, revoking `jti`. */
function forgeSet(mode: string, genuine: string | undefined, jti: string): string | undefined {
  const [header, payload, signature] = (genuine ?? '').split('.')
  if (header === undefined || payload === undefined || signature === undefined) return undefined
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  const event = { type: 'token', jti, reason: 'operator' }
  const changed = Buffer.from(
    JSON.stringify({ ...claims, events: { [REVOCATION_SET_EVENT]: event } }),
  ).toString('base64url')
  if (mode === 'tampered') return `${header}.${changed}.${signature}`
  if (mode !== 'unsigned') return undefined
  const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString(
    'base64url',
  )
  return `${none}.${changed}.`
}
