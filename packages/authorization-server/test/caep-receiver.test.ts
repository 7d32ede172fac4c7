// CAEP over the Shared Signals Framework (issue 12): the upstream OpenID provider users sign in
// with — a second oidc-provider on 127.0.0.1 whose signing key this test holds — pushes RFC 8417
// SETs to POST /oauth/security-events (RFC 8935). `session-revoked` and `credential-change`
// for a linked user end their grants and tokens; bad signatures, wrong iss/aud/typ and replayed
// `jti`s are refused with RFC 8935 §2.3 codes; an unknown subject changes nothing. Every
// verified SET is audited (`upstream.security_event`).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { AuditEvent } from '@mandate/core'
import type { Store } from '@mandate/store'
import { BrowserAgent, checkboxValues, parseForm } from './support/browser-agent.ts'
import {
  insecure,
  redeem,
  REDIRECT_URI,
  RESOURCE,
  RS_CLIENT,
  RS_SECRET,
  startServer,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'

type SecurityEventAudit = Extract<AuditEvent, { type: 'upstream.security_event' }>
const securityEvents = (audit: readonly AuditEvent[]): SecurityEventAudit[] =>
  audit.filter((e): e is SecurityEventAudit => e.type === 'upstream.security_event')

const UPSTREAM_SECRET = 'upstream-secret-0123456789abcdef0123456789'
const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/'
const KID = 'upstream-key-1'

void describe('CAEP security events from the upstream IdP (RFC 8417, RFC 8935)', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let upstreamServer: Server
  let upstreamIssuer = ''
  let upstreamKey: CryptoKey
  let strangerKey: CryptoKey

  before(async () => {
    const slot: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {}
    upstreamServer = createServer((req, res) => {
      if (slot.handler === undefined) res.writeHead(503).end()
      else slot.handler(req, res)
    })
    await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', resolve))
    upstreamIssuer = `http://127.0.0.1:${String((upstreamServer.address() as AddressInfo).port)}`
    store = await backend.open({ migrate: true })
    h = await startServer(store, {
      upstream: {
        issuer: upstreamIssuer,
        clientId: 'mandate',
        clientSecret: UPSTREAM_SECRET,
        name: 'Acme IdP',
        allowInsecure: true,
      },
    })
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
          redirect_uris: [`${h.issuer}/oauth/upstream/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          id_token_signed_response_alg: 'ES256',
        },
      ],
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
    await h.close()
    upstreamServer.closeAllConnections()
    await new Promise((resolve) => upstreamServer.close(resolve))
    await store.close()
    await backend.cleanup()
  })

  /** Signs `login` in through the upstream; returns the access token for RESOURCE. */
  const signIn = async (login: string): Promise<string> => {
    const agent = new BrowserAgent()
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: 'mcp-client',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'tools:read',
      resource: RESOURCE,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    let step = await agent.follow(url.href, REDIRECT_URI)
    const start = parseForm(step.html ?? '', '/upstream')
    step = await agent.follow(new URL(start.action, h.issuer).href, REDIRECT_URI, {
      form: start.fields,
    })
    const submit = (html: string) =>
      new URL(/<form autocomplete="off" action="([^"]+)"/.exec(html)?.[1] ?? '', upstreamIssuer)
        .href
    step = await agent.follow(submit(step.html ?? ''), REDIRECT_URI, {
      form: { prompt: 'login', login, password: 'anything' },
    })
    step = await agent.follow(submit(step.html ?? ''), REDIRECT_URI, {
      form: { prompt: 'consent' },
    })
    const consent = parseForm(step.html ?? '', '/consent')
    step = await agent.follow(new URL(consent.action, h.issuer).href, REDIRECT_URI, {
      form: { ...consent.fields, scope: checkboxValues(step.html ?? '') },
    })
    assert.ok(step.location)
    return (await redeem(h, { callback: new URL(step.location), verifier, state })).access_token
  }

  const rs = { client_id: RS_CLIENT }
  const active = async (token: string): Promise<boolean> =>
    (
      await oauth.processIntrospectionResponse(
        h.as,
        rs,
        await oauth.introspectionRequest(
          h.as,
          rs,
          oauth.ClientSecretBasic(RS_SECRET),
          token,
          insecure,
        ),
      )
    ).active

  interface SetOptions {
    event?: string
    sub?: string
    iss?: string
    aud?: string
    typ?: string
    key?: CryptoKey
    jti?: string
    subject?: Record<string, unknown>
  }
  const makeSet = (o: SetOptions = {}): Promise<string> =>
    new SignJWT({
      sub_id: o.subject ?? { format: 'iss_sub', iss: upstreamIssuer, sub: o.sub ?? 'erin' },
      events: { [o.event ?? `${CAEP}session-revoked`]: { event_timestamp: 1 } },
    })
      .setProtectedHeader({ alg: 'ES256', kid: KID, typ: o.typ ?? 'secevent+jwt' })
      .setIssuer(o.iss ?? upstreamIssuer)
      .setAudience(o.aud ?? h.issuer)
      .setIssuedAt()
      .setJti(o.jti ?? randomUUID())
      .sign(o.key ?? upstreamKey)
  /** Pushes a SET (RFC 8935 §2.1); returns the status and the `err` code. */
  const push = async (set: string): Promise<{ status: number; err: string | undefined }> => {
    const response = await fetch(`${h.issuer}/oauth/security-events`, {
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

  void it('bad signature, wrong iss, aud or typ, and an unknown subject change nothing; session-revoked revokes the linked user only; a replayed jti is refused', async () => {
    const erin = await signIn('erin')
    const frank = await signIn('frank')
    assert.equal(await active(erin), true)
    assert.equal(await active(frank), true)
    const refused: [SetOptions, string][] = [
      [{ key: strangerKey }, 'invalid_key'],
      [{ iss: 'http://127.0.0.1:9/other-idp' }, 'invalid_issuer'],
      [{ aud: 'https://someone-else.example' }, 'invalid_audience'],
      [{ typ: 'JWT' }, 'invalid_request'],
    ]
    for (const [options, err] of refused) {
      assert.deepEqual(await push(await makeSet(options)), { status: 400, err }, err)
    }
    // Unknown subjects are acknowledged (no oracle for who exists) and change nothing.
    assert.deepEqual(await push(await makeSet({ sub: 'nobody' })), { status: 202, err: undefined })
    const stranger = { format: 'iss_sub', iss: 'http://127.0.0.1:9/other-idp', sub: 'erin' }
    assert.equal((await push(await makeSet({ subject: stranger }))).status, 202)
    assert.equal(await active(erin), true)
    assert.equal(await active(frank), true)
    assert.equal(
      (
        await store.db
          .selectFrom('revocations')
          .select('seq')
          .where('kind', '=', 'subject')
          .execute()
      ).length,
      0,
    )

    // Positive control: the upstream's genuine SET for erin revokes erin, not frank.
    const genuine = await makeSet()
    assert.deepEqual(await push(genuine), { status: 202, err: undefined })
    assert.equal(await active(erin), false)
    assert.equal(await active(frank), true)
    const row = await store.db
      .selectFrom('revocations')
      .select(['sub', 'event'])
      .where('kind', '=', 'subject')
      .executeTakeFirst()
    assert.equal(row?.sub, decodeJwt(erin).sub)
    assert.match(row?.event ?? '', /"reason":"upstream_signal"/)
    // RFC 8417 §2.2 jti: the same SET again is a replay.
    assert.deepEqual(await push(genuine), { status: 400, err: 'invalid_request' })
    // Audited: every verified SET (the refused ones are not events of the upstream), who sent
    // it, which event, and whether it applied to a linked user; never the SET itself.
    const received = securityEvents(h.audit)
    assert.deepEqual(
      received.map((e) => [e.outcome, e.sub, e.applied, e.event, e.upstream, e.actor]),
      [
        ['recorded', undefined, false, 'session-revoked', upstreamIssuer, 'upstream'],
        ['recorded', undefined, false, 'session-revoked', upstreamIssuer, 'upstream'],
        ['success', decodeJwt(erin).sub, true, 'session-revoked', upstreamIssuer, 'upstream'],
      ],
    )
    assert.equal(received[2]?.set_jti, decodeJwt(genuine).jti)
    assert.doesNotMatch(JSON.stringify(h.audit), /eyJ/)
  })

  void it('credential-change revokes too; a wrong content type is refused', async () => {
    const gina = await signIn('gina')
    assert.equal(await active(gina), true)
    const wrongType = await fetch(`${h.issuer}/oauth/security-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/jwt' },
      body: await makeSet({ sub: 'gina', event: `${CAEP}credential-change` }),
    })
    assert.equal(wrongType.status, 400)
    assert.equal(await active(gina), true)
    const set = await makeSet({ sub: 'gina', event: `${CAEP}credential-change` })
    assert.equal((await push(set)).status, 202)
    assert.equal(await active(gina), false)
    const last = securityEvents(h.audit).at(-1)
    assert.equal(last?.event, 'credential-change')
    assert.equal(last.sub, decodeJwt(gina).sub)
    assert.equal(last.applied, true)
  })
})
