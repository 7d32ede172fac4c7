// Who may use the operator console and its forms (issue 16), with real browser sessions: a
// non-operator gets 403 on every /admin route and action; an operator without a second factor
// is sent to enrol; every console and account form refuses a missing or foreign CSRF token.
// Every refusal of a signed-in user is audited (`admin.action`, denied, with the reason).
// Each refusal has its positive control in the same setup.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { BrowserContext } from 'playwright-core'
import { chromiumSkipReason } from '../../../test/support/browser.ts'
import { ADMIN_PAGES, signIn, shotsDir, startPagesEnv } from './support/pages-env.ts'
import type { PagesEnv } from './support/pages-env.ts'
import { PASSWORD } from './support/harness.ts'

const skip = chromiumSkipReason()
const ADMIN_ACTIONS = [
  '/admin/users/create',
  '/admin/users/disable',
  '/admin/users/enable',
  '/admin/users/reset-mfa',
  '/admin/clients/disable',
  '/admin/clients/delete',
  '/admin/grants/revoke',
] as const
const ACCOUNT_FORMS = [
  '/account/grants/revoke',
  '/account/mfa/enrol',
  '/account/mfa/confirm',
  '/account/mfa/recovery',
  '/account/mfa/disable',
  '/account/mfa/done',
  '/account/reauth',
  '/account/password',
  '/account/sessions/end',
  '/account/sign-out',
] as const

void describe('operator console: authorization and CSRF', { skip }, () => {
  let env: PagesEnv
  const as: Record<'olga' | 'olga2' | 'nick' | 'oscar', BrowserContext> = {} as never

  before(async () => {
    env = await startPagesEnv(shotsDir('admin-authorization'))
    for (const [key, user] of [
      ['olga', 'olga'],
      ['olga2', 'olga'],
      ['nick', 'nick'],
      ['oscar', 'oscar'],
    ] as const) {
      as[key] = await env.context(false)
      const page = await as[key].newPage()
      await signIn(env, page, user, key === 'olga' || key === 'olga2' ? '/admin/users' : '/account')
      await page.close()
    }
  })
  after(async () => {
    await env.close()
  })

  const url = (path: string) => `${env.h.issuer}${path}`
  /** The console's fresh CSRF token, as the users page renders it for this session. */
  const adminToken = async (context: BrowserContext): Promise<string> => {
    const page = await context.newPage()
    await page.goto(url('/admin/users'))
    const token = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? ''
    await page.close()
    return token
  }
  const post = (context: BrowserContext, path: string, form: Record<string, string>) =>
    context.request.post(url(path), { form, maxRedirects: 0 })
  /** The routes of the refusals audited for `username` with `reason` (`admin.action`, denied). */
  const refusals = async (username: string, reason: string): Promise<string[]> => {
    const sub = (await env.h.server.users.findByUsername(username))?.id
    return env.h.audit.flatMap((e) =>
      e.type === 'admin.action' && e.outcome === 'denied' && e.sub === sub && e.reason === reason
        ? [e.action]
        : [],
    )
  }

  void it('a non-operator gets 403 on every /admin route and action', async () => {
    for (const section of ['', ...ADMIN_PAGES.map((s) => `/${s}`), '/audit/export']) {
      const refused = await as.nick.request.get(url(`/admin${section}`), { maxRedirects: 0 })
      assert.equal(refused.status(), 403, `/admin${section}`)
      // Positive control: the operator's session opens it.
      const allowed = await as.olga.request.get(url(`/admin${section}`), { maxRedirects: 0 })
      assert.equal(allowed.status(), section === '' ? 303 : 200, `/admin${section}`)
    }
    for (const action of ADMIN_ACTIONS) {
      const refused = await post(as.nick, action, {
        csrf: 'x',
        username: 'nick-made',
        password: PASSWORD,
      })
      assert.equal(refused.status(), 403, action)
    }
    assert.equal(await env.h.server.users.findByUsername('nick-made'), undefined)
    // Each refusal is audited with the user and the route; the operator's requests are not.
    const nick = await refusals('nick', 'not_operator')
    assert.equal(nick.length, ADMIN_PAGES.length + 2 + ADMIN_ACTIONS.length)
    assert.ok(nick.includes('users.create') && nick.includes('audit.export'), nick.join())
    assert.deepEqual(await refusals('olga', 'not_operator'), [])
    const created = await post(as.olga, '/admin/users/create', {
      csrf: await adminToken(as.olga),
      username: 'olga-made',
      password: PASSWORD,
    })
    assert.equal(created.status(), 303)
    assert.ok(await env.h.server.users.findByUsername('olga-made'))
  })

  void it('an operator without a second factor is sent to enrol', async () => {
    for (const path of ['/admin', '/admin/users', '/admin/audit']) {
      const response = await as.oscar.request.get(url(path), { maxRedirects: 0 })
      assert.equal(response.status(), 303, path)
      assert.equal(response.headers()['location'], '/account?need=mfa')
    }
    const action = await post(as.oscar, '/admin/users/create', {
      csrf: 'x',
      username: 'oscar-made',
      password: PASSWORD,
    })
    assert.equal(action.status(), 303)
    assert.equal(await env.h.server.users.findByUsername('oscar-made'), undefined)
    assert.deepEqual(await refusals('oscar', 'mfa_not_enrolled'), [
      'console',
      'users',
      'audit',
      'users.create',
    ])
    const page = await as.oscar.newPage()
    await page.goto(url('/admin/users'))
    await page.getByRole('status').waitFor()
    assert.match(await page.getByRole('status').innerText(), /needs a second factor/)
    assert.equal(await page.getByRole('button', { name: 'Set up an authenticator app' }).count(), 1)
    await page.close()
  })

  void it('CSRF: every console action refuses a missing or foreign token; a fresh one works', async () => {
    const foreign = await adminToken(as.olga2)
    for (const action of ADMIN_ACTIONS) {
      for (const csrf of ['', foreign, 'not-a-token']) {
        const refused = await post(as.olga, action, {
          csrf,
          username: 'csrf-made',
          password: PASSWORD,
        })
        assert.equal(
          refused.status(),
          403,
          `${action} with ${csrf === foreign ? 'a foreign' : 'a bad'} token`,
        )
      }
    }
    assert.equal(await env.h.server.users.findByUsername('csrf-made'), undefined)
    assert.equal((await refusals('olga', 'form_expired')).length, ADMIN_ACTIONS.length * 3)
    // Positive control: this session's own fresh token.
    const ok = await post(as.olga, '/admin/users/create', {
      csrf: await adminToken(as.olga),
      username: 'csrf-made',
      password: PASSWORD,
    })
    assert.equal(ok.status(), 303)
  })

  void it('CSRF: every account form refuses a missing or foreign token; its own works', async () => {
    const tokenOf = async (context: BrowserContext) => {
      const page = await context.newPage()
      await page.goto(url('/account'))
      const token = (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? ''
      await page.close()
      return token
    }
    const foreign = await tokenOf(as.olga2)
    for (const form of ACCOUNT_FORMS) {
      for (const csrf of ['', foreign]) {
        const refused = await post(as.olga, form, {
          csrf,
          password: PASSWORD,
          current: PASSWORD,
          code: '000000',
        })
        assert.equal(refused.status(), 403, form)
      }
    }
    // Positive control: the session's own token ends the other sessions.
    const ok = await post(as.olga, '/account/sessions/end', { csrf: await tokenOf(as.olga) })
    assert.equal(ok.status(), 303)
    assert.equal(
      (await as.olga2.request.get(url('/admin/users'), { maxRedirects: 0 })).status(),
      303,
    )
  })
})
