// End to end (issue 12): CAEP through the spawned product. `mandate serve` is configured (from a
// file, as an operator does) to sign people in through an upstream OpenID provider — a real
// oidc-provider on 127.0.0.1 whose signing key this test holds. Users sign in through it; the
// provider then signs and pushes RFC 8417 SETs to serve's receiver (RFC 8935):
// `session-revoked` and `credential-change` refuse that user's token at /mcp while another
// user's keeps working; each applied SET is in `mandate audit list` (`upstream.security_event`);
// a SET signed with another key and a replayed one are refused and change nothing.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Provider from 'oidc-provider'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { runCli } from '../support/cli.ts'
import {
  BrowserAgent,
  checkboxValues,
  parseForm,
} from '../../packages/authorization-server/test/support/browser-agent.ts'
import { redeem } from '../../packages/authorization-server/test/support/harness.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint } from './support/revocation-e2e.ts'
import {
  assertRefused,
  callMcp,
  discover,
  REDIRECT,
  registerClient,
  untilRefused,
} from './support/revocation-e2e.ts'

const UPSTREAM_SECRET = 'upstream-secret-0123456789abcdef0123456789'
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/'
const KID = 'upstream-key-1'

interface AuditedRow {
  sub: string | null
  outcome: string
  detail: Record<string, unknown>
}

void describe('mandate serve receives CAEP events from its upstream IdP (RFC 8417, RFC 8935)', () => {
  const dir = tempDir('mandate-e2e-caep-')
  const dataDir = ['--data-dir', dir.path]
  let serve: MandateProcess
  let endpoint: Endpoint
  let upstreamIssuer = ''
  let upstreamKey: CryptoKey
  let strangerKey: CryptoKey
  const slot: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {}
  const upstreamServer = createServer((req, res) => {
    if (slot.handler === undefined) res.writeHead(503).end()
    else slot.handler(req, res)
  })

  before(async () => {
    await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', resolve))
    upstreamIssuer = `http://127.0.0.1:${String((upstreamServer.address() as AddressInfo).port)}`
    const config = join(dir.path, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({
        authorizationServer: {
          upstream: {
            issuer: upstreamIssuer,
            clientId: 'mandate',
            clientSecret: UPSTREAM_SECRET,
            name: 'Acme IdP',
            allowInsecure: true,
          },
        },
      }),
    )
    serve = await startServe([...dataDir, '--config', config])
    endpoint = await discover(serve.url.origin)
    // The provider is built once serve's callback URL is known (serve listens on port 0).
    const pair = await generateKeyPair('ES256', { extractable: true })
    upstreamKey = pair.privateKey
    strangerKey = (await generateKeyPair('ES256')).privateKey
    const jwk: JWK = { ...(await exportJWK(pair.privateKey)), kid: KID, alg: 'ES256', use: 'sig' }
    const upstream = new Provider(upstreamIssuer, {
      jwks: { keys: [jwk] },
      clients: [
        {
          client_id: 'mandate',
          client_secret: UPSTREAM_SECRET,
          redirect_uris: [`${endpoint.issuer}/oauth/upstream/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          id_token_signed_response_alg: 'ES256',
        },
      ],
      // Both servers are on 127.0.0.1, and cookies do not keep ports apart: other names.
      cookies: {
        keys: ['upstream-cookie-key'],
        names: { session: '_up_session', interaction: '_up_interaction', resume: '_up_resume' },
      },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@acme.test` }),
      }),
      claims: { openid: ['sub'], email: ['email'] },
      pkce: { required: () => true },
    })
    const callback = upstream.callback()
    slot.handler = (req, res) => {
      void callback(req, res)
    }
  })
  after(async () => {
    await serve.stop()
    upstreamServer.closeAllConnections()
    await new Promise((resolve) => upstreamServer.close(resolve))
    dir.remove()
  })

  /** Signs `login` in at serve through the upstream; returns the access token for /mcp. */
  const signIn = async (login: string): Promise<string> => {
    const clientId = await registerClient(endpoint, login)
    const agent = new BrowserAgent()
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const url = new URL(endpoint.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'notes:read',
      resource: serve.mcpUrl,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    let step = await agent.follow(url.href, REDIRECT)
    const start = parseForm(step.html ?? '', '/upstream')
    step = await agent.follow(new URL(start.action, endpoint.issuer).href, REDIRECT, {
      form: start.fields,
    })
    const submit = (html: string) =>
      new URL(/<form autocomplete="off" action="([^"]+)"/.exec(html)?.[1] ?? '', upstreamIssuer)
        .href
    step = await agent.follow(submit(step.html ?? ''), REDIRECT, {
      form: { prompt: 'login', login, password: 'anything' },
    })
    step = await agent.follow(submit(step.html ?? ''), REDIRECT, { form: { prompt: 'consent' } })
    if (!(step.html ?? '').includes('/consent"')) {
      const text = (step.html ?? '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ')
      throw new Error(`no consent page after the upstream: ${text.slice(0, 400)}`)
    }
    const consent = parseForm(step.html ?? '', '/consent')
    step = await agent.follow(new URL(consent.action, endpoint.issuer).href, REDIRECT, {
      form: { ...consent.fields, scope: checkboxValues(step.html ?? '') },
    })
    assert.ok(step.location, 'the sign-in reached the client')
    const callback = new URL(step.location)
    const tokens = await redeem(
      endpoint,
      { callback, verifier, state },
      undefined,
      REDIRECT,
      clientId,
    )
    assert.equal((await callMcp(serve.mcpUrl, tokens.access_token)).status, 200)
    return tokens.access_token
  }

  const makeSet = (o: { sub: string; event?: string; key?: CryptoKey }): Promise<string> =>
    new SignJWT({
      sub_id: { format: 'iss_sub', iss: upstreamIssuer, sub: o.sub },
      events: { [`${CAEP}${o.event ?? 'session-revoked'}`]: { event_timestamp: 1 } },
    })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'secevent+jwt' })
      .setIssuer(upstreamIssuer)
      .setAudience(endpoint.issuer)
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(o.key ?? upstreamKey)
  /** The IdP's push (RFC 8935 §2.1); the status and the RFC 8935 §2.3 `err`. */
  const push = async (set: string): Promise<{ status: number; err: string | undefined }> => {
    const response = await fetch(new URL('/oauth/security-events', endpoint.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json' },
      body: set,
    })
    const text = await response.text()
    return {
      status: response.status,
      err: text === '' ? undefined : (JSON.parse(text) as { err?: string }).err,
    }
  }
  const audited = async (): Promise<AuditedRow[]> => {
    const listed = await runCli([
      'audit',
      'list',
      '--type',
      'upstream.security_event',
      '--json',
      ...dataDir,
    ])
    assert.equal(listed.code, 0, listed.stderr)
    return listed.stdout
      .split('\n')
      .filter((row) => row !== '')
      .map((row) => JSON.parse(row) as AuditedRow)
  }
  /** Reads `mandate audit list` until `count` events are stored (serve writes in batches). */
  const untilAudited = async (count: number): Promise<AuditedRow[]> => {
    const deadline = Date.now() + 120_000 // guards a hang only
    for (;;) {
      const rows = await audited()
      if (rows.length >= count) return rows
      assert.ok(Date.now() < deadline, `${String(rows.length)} of ${String(count)} events stored`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }

  it('a forged SET is refused; the genuine session-revoked refuses that user only; its replay is refused', async () => {
    const erin = await signIn('erin')
    const frank = await signIn('frank')
    const erinSub = decodeJwt(erin).sub
    // Signed with a key the upstream does not publish: refused, nothing changes.
    assert.deepEqual(await push(await makeSet({ sub: 'erin', key: strangerKey })), {
      status: 400,
      err: 'invalid_key',
    })
    assert.equal((await callMcp(serve.mcpUrl, erin)).status, 200)
    // Positive control: the upstream's own SET for erin is accepted and refuses erin's token.
    const genuine = await makeSet({ sub: 'erin' })
    assert.deepEqual(await push(genuine), { status: 202, err: undefined })
    assertRefused(await untilRefused(serve.mcpUrl, erin))
    assert.equal((await callMcp(serve.mcpUrl, frank)).status, 200)
    // RFC 8417 §2.2 `jti`: the same SET again is a replay.
    assert.deepEqual(await push(genuine), { status: 400, err: 'invalid_request' })
    // Audited once (refused SETs are answered, not audited), attributed to the upstream.
    const [event, ...more] = await untilAudited(1)
    assert.equal(more.length, 0)
    assert.ok(event)
    assert.equal(event.sub, erinSub)
    assert.equal(event.outcome, 'success')
    assert.deepEqual(event.detail, {
      actor: 'upstream',
      applied: true,
      event: 'session-revoked',
      issuer: endpoint.issuer,
      set_jti: decodeJwt(genuine).jti,
      upstream: upstreamIssuer,
    })
  })

  it('credential-change refuses that user’s token; a new sign-in works again', async () => {
    const gina = await signIn('gina')
    const hank = await signIn('hank')
    assert.deepEqual(await push(await makeSet({ sub: 'gina', event: 'credential-change' })), {
      status: 202,
      err: undefined,
    })
    assertRefused(await untilRefused(serve.mcpUrl, gina))
    assert.equal((await callMcp(serve.mcpUrl, hank)).status, 200)
    const rows = await untilAudited(2)
    assert.equal(rows.length, 2)
    const last = rows.find((row) => row.detail['event'] === 'credential-change')
    assert.ok(last)
    assert.equal(last.sub, decodeJwt(gina).sub)
    assert.equal(last.detail['applied'], true)
    // The user signs in again through the upstream and is served.
    await signIn('gina')
  })
})
