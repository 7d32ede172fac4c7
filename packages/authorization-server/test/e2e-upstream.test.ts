// Login through an upstream OpenID provider: a second, independent oidc-provider on
// 127.0.0.1 (with its development login pages) plays the company IdP.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { BrowserAgent, checkboxValues, parseForm } from './support/browser-agent.ts'
import { redeem, REDIRECT_URI, RESOURCE, startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'

const UPSTREAM_SECRET = 'upstream-secret-0123456789abcdef0123456789'

void describe('upstream OpenID provider login', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let upstreamServer: Server
  let upstreamIssuer = ''
  let userinfoCalls = 0

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
    const upstream = new Provider(upstreamIssuer, {
      clients: [
        {
          client_id: 'mandate',
          client_secret: UPSTREAM_SECRET,
          redirect_uris: [`${h.issuer}/oauth/upstream/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      // Browsers share cookies across ports of one host: keep the two providers' names apart.
      cookies: {
        keys: ['upstream-cookie-key'],
        names: { session: '_up_session', interaction: '_up_interaction', resume: '_up_resume' },
      },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@acme.test`, name: 'Erin Upstream' }),
      }),
      claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
      pkce: { required: () => true },
      // The default (OIDC Core §5.4): with the code flow, email and name are returned by the
      // userinfo endpoint only, not in the ID token; Mandate fetches them from there.
      conformIdTokenClaims: true,
    })
    upstream.use(async (ctx, next) => {
      await next()
      if (ctx.path !== '/me') return
      userinfoCalls++
      // A broken or malicious IdP: for "mallory" userinfo describes another subject.
      const body: unknown = ctx.body
      if (typeof body === 'object' && body !== null && 'sub' in body && body.sub === 'mallory') {
        ctx.body = { ...body, sub: 'erin', email: 'erin@acme.test' }
      }
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

  const signIn = async (login: string) => {
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
    assert.match(step.html ?? '', /Sign in with <span translate="no">Acme IdP<\/span>/)
    step = await agent.follow(new URL(start.action, h.issuer).href, REDIRECT_URI, {
      form: start.fields,
    })
    // The upstream's development login page, then its consent page.
    const submit = (html: string) =>
      new URL(/<form autocomplete="off" action="([^"]+)"/.exec(html)?.[1] ?? '', upstreamIssuer)
        .href
    step = await agent.follow(submit(step.html ?? ''), REDIRECT_URI, {
      form: { prompt: 'login', login, password: 'anything' },
    })
    step = await agent.follow(submit(step.html ?? ''), REDIRECT_URI, {
      form: { prompt: 'consent' },
    })
    return { agent, step, verifier, state }
  }

  void it('a user signs in at the upstream IdP; the token names a linked local account with amr upstream', async () => {
    const before = userinfoCalls
    const signedIn = await signIn('erin')
    const { agent, verifier, state } = signedIn
    let { step } = signedIn
    // The ID token had no email or name: they came from userinfo.
    assert.equal(userinfoCalls, before + 1)
    const consent = parseForm(step.html ?? '', '/consent')
    step = await agent.follow(new URL(consent.action, h.issuer).href, REDIRECT_URI, {
      form: { ...consent.fields, scope: checkboxValues(step.html ?? '') },
    })
    assert.ok(step.location)
    const tokens = await redeem(h, { callback: new URL(step.location), verifier, state })
    const claims = decodeJwt(tokens.access_token)
    assert.deepEqual(claims['amr'], ['upstream'])
    const user = await h.server.users.get(String(claims.sub))
    assert.equal(user?.upstreamIssuer, upstreamIssuer)
    assert.equal(user.email, 'erin@acme.test')
  })

  void it('userinfo claims for another subject than the ID token are refused (OIDC Core §5.3.2)', async () => {
    const { step } = await signIn('mallory')
    assert.equal(step.location, undefined)
    assert.match(step.html ?? '', /Signing in with the external provider failed/)
    assert.equal(await h.server.users.findByUsername('mallory@acme.test'), undefined)
    assert.ok(h.audit.some((e) => e.type === 'login.failed' && e.reason === 'upstream'))
  })

  void it('catalogue #9: an upstream callback without the pending-login cookie is refused', async () => {
    const response = await fetch(
      `${h.issuer}/oauth/upstream/callback?code=x&state=y&iss=${encodeURIComponent(upstreamIssuer)}`,
      { redirect: 'manual' },
    )
    assert.equal(response.status, 400)
  })
})
