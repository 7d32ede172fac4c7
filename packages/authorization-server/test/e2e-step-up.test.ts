// Users and step-up end to end: lockout, TOTP enrolment, acr/amr in tokens, acr_values and
// max_age forcing a stronger or fresh login, recovery codes.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { BrowserAgent, parseForm } from './support/browser-agent.ts'
import { authorize, PASSWORD, redeem, REDIRECT_URI, startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { currentStep, totpAt } from '../src/mfa/totp.ts'

void describe('users, TOTP and step-up', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    await h.server.users.add({ username: 'carol', password: PASSWORD })
    await h.server.users.add({ username: 'dave', password: PASSWORD })
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  void it('acr_values=mfa steps a password session up to TOTP (enrolment, recovery codes); tokens say so', async () => {
    const agent = new BrowserAgent()
    const first = await redeem(h, await authorize(h, { username: 'carol', agent }))
    assert.equal(decodeJwt(first.access_token)['acr'], 'pwd')
    assert.deepEqual(decodeJwt(first.access_token)['amr'], ['pwd'])
    const stepped = await authorize(h, {
      username: 'carol',
      agent,
      // oidc-provider accepts acr_values and max_age only with the openid scope.
      scope: 'openid tools:read tools:write',
      extra: { acr_values: 'mfa' },
    })
    assert.ok(stepped.enrolledSecret)
    assert.equal(stepped.recoveryCodes.length, 10)
    assert.equal(stepped.recoveryCodesCacheControl, 'no-store', 'no cache keeps the codes')
    const tokens = await redeem(h, stepped)
    assert.equal(decodeJwt(tokens.access_token)['acr'], 'mfa')
    assert.deepEqual(decodeJwt(tokens.access_token)['amr'], ['pwd', 'otp'])
    assert.ok(h.audit.some((e) => e.type === 'mfa.enrolled'))

    // Enrolled users always give a second factor; a TOTP step is accepted once only.
    // One step for both attempts: a replay is the same code, whenever the clock turns.
    const secret = stepped.enrolledSecret
    const step = currentStep() + 1
    const next = await authorize(h, { username: 'carol', totp: () => totpAt(secret, step) })
    assert.equal(decodeJwt((await redeem(h, next)).access_token)['acr'], 'mfa')
    await assert.rejects(
      authorize(h, { username: 'carol', totp: () => totpAt(secret, step) }),
      /authorization did not complete|unexpected page/,
    )
    // Refused as a replay, not as out of the ±1 step window: at a time the window holds it,
    // the used step is still refused and the next one is accepted.
    const carol = (await h.server.users.findByUsername('carol'))?.id ?? ''
    const withinWindow = step * 30_000
    assert.equal(await h.server.users.verifyTotp(carol, totpAt(secret, step), withinWindow), false)
    assert.equal(
      await h.server.users.verifyTotp(carol, totpAt(secret, step + 1), withinWindow),
      true,
    )

    // A recovery code works once.
    const code = stepped.recoveryCodes[0] ?? ''
    const recovered = await authorize(h, { username: 'carol', totp: () => code })
    assert.deepEqual(decodeJwt((await redeem(h, recovered)).access_token)['amr'], [
      'pwd',
      'recovery',
    ])
    // Refused again and again on the second-factor page: the flow never reaches the client.
    await assert.rejects(authorize(h, { username: 'carol', totp: () => code }), {
      name: 'Error',
      message: 'authorization did not complete',
    })
  })

  void it('max_age=0 forces a fresh login even with a live session', async () => {
    const agent = new BrowserAgent()
    await redeem(h, await authorize(h, { agent }))
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: 'mcp-client',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid tools:read',
      resource: 'https://mcp.example.test/mcp',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      max_age: '0',
    }).toString()
    const page = await agent.follow(url.href, REDIRECT_URI)
    assert.match(page.html ?? '', /Sign in/)
  })

  void it('lockout with backoff: after five failures even the right password is refused for a while', async () => {
    const agent = new BrowserAgent()
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: 'mcp-client',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'tools:read',
      resource: 'https://mcp.example.test/mcp',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString()
    let page = await agent.follow(url.href, REDIRECT_URI)
    for (let i = 0; i < 6; i++) {
      const form = parseForm(page.html ?? '', '/login')
      page = await agent.follow(new URL(form.action, h.issuer).href, REDIRECT_URI, {
        form: { ...form.fields, username: 'dave', password: 'wrong password' },
      })
    }
    const form = parseForm(page.html ?? '', '/login')
    page = await agent.follow(new URL(form.action, h.issuer).href, REDIRECT_URI, {
      form: { ...form.fields, username: 'dave', password: PASSWORD },
    })
    assert.match(page.html ?? '', /Too many attempts/)
    assert.ok(h.audit.some((e) => e.type === 'login.failed' && e.reason === 'locked'))
  })

  void it('operators: list, disable (refresh then fails), reset MFA', async () => {
    const tokens = await redeem(h, await authorize(h))
    await h.server.users.setDisabled('alice', true)
    const refresh = await fetch(h.as.token_endpoint ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
        client_id: 'mcp-client',
      }).toString(),
    })
    assert.equal(((await refresh.json()) as { error?: string }).error, 'invalid_grant')
    await h.server.users.setDisabled('alice', false)
    const list = await h.server.users.list()
    assert.ok(list.some((u) => u.username === 'carol' && u.mfa))
    await h.server.users.resetMfa('carol')
    assert.equal((await h.server.users.findByUsername('carol'))?.mfa, false)
  })
})
