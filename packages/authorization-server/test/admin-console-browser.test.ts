// The operator console (/admin) in Chromium, JavaScript off and on (issue 16): only operators
// who signed in with their second factor; every action needs a fresh CSRF token, is audited
// as its typed event (`user.*`, `client.*`, `grant.revoked`, `actor: console`) and takes
// effect through the revocation path. Every page passes the design
// checks (page-checks.ts); screenshots under test-results/admin/.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { chromiumSkipReason } from '../../../test/support/browser.ts'
import {
  assertStyled,
  checkAccessibility,
  checkStructure,
  screenshots,
} from '../../../test/support/page-checks.ts'
import { ADMIN_PAGES, shotsDir, signIn, startPagesEnv } from './support/pages-env.ts'
import type { PagesEnv } from './support/pages-env.ts'
import { authorize, PASSWORD, REDIRECT_URI } from './support/harness.ts'

const SHOTS = shotsDir('admin')
const skip = chromiumSkipReason()

/** A stored audit row (the chain fields are not checked by the viewer). */
async function auditRow(env: PagesEnv, seq: number, type: string, sub: string, user: string) {
  await env.store.db
    .insertInto('audit_events')
    .values({
      stream: 'test',
      seq,
      time: Date.now() - seq * 60_000,
      type,
      outcome: 'success',
      sub,
      user_name: user,
      client_id: null,
      client_name: null,
      act: null,
      tool: null,
      server: null,
      scope_requested: null,
      scope_granted: null,
      acr: null,
      amr: null,
      ip: null,
      user_agent: null,
      request_id: null,
      instance_id: null,
      detail: '{}',
      prev_hash: 'x',
      hash: `h${String(seq)}`,
    })
    .execute()
}

const revocations = (env: PagesEnv, kind: string) =>
  env.store.db
    .selectFrom('revocations')
    .select(['sub', 'client_id', 'gid'])
    .where('kind', '=', kind)
    .execute()

for (const js of [false, true]) {
  void describe(`operator console in Chromium (JavaScript ${js ? 'on' : 'off'})`, { skip }, () => {
    let env: PagesEnv
    let context: BrowserContext
    let page: Page

    before(async () => {
      env = await startPagesEnv(SHOTS)
      context = await env.context(js)
      page = await context.newPage()
      await signIn(env, page, 'olga', '/admin/users')
      const alice = await env.h.server.users.findByUsername('alice')
      await auditRow(env, 1, 'login.succeeded', alice?.id ?? '', 'alice')
      await auditRow(env, 2, 'mfa.failed', 'someone-else', 'nick')
    })
    after(async () => {
      await env.close()
    })

    const visit = async (name: string): Promise<void> => {
      await checkStructure(page, name)
      await assertStyled(page, name)
      if (js) {
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          await checkAccessibility(page, `${name} (${colorScheme})`)
        }
        await page.emulateMedia({ colorScheme: 'light' })
      } else {
        await screenshots(page, SHOTS, name)
      }
    }
    const go = async (path: string) => {
      const response = await page.goto(`${env.h.issuer}${path}`)
      assert.equal(response?.status(), 200, path)
    }
    const done = () => page.getByRole('status').waitFor()

    void it('every section renders for an operator, with the console link in the header', async () => {
      for (const section of ADMIN_PAGES) {
        await go(`/admin/${section}`)
        assert.equal(await page.getByRole('link', { name: 'Operator console' }).count(), 1)
        await visit(`admin-${section}`)
      }
      assert.match(await page.getByTestId('health').innerText(), /answers/)
    })

    void it('users: create, disable (tokens refused), enable, reset second factor; audited', async () => {
      const name = `zed-${String(js)}`
      await go('/admin/users')
      await page.getByLabel('Username').fill(name)
      await page.getByLabel(/^Password/).fill(PASSWORD)
      await page.getByRole('button', { name: 'Create user' }).click()
      await done()
      const zed = await env.h.server.users.findByUsername(name)
      assert.ok(zed)
      await page.getByRole('button', { name: `Disable ${name}` }).click()
      await done()
      assert.equal((await env.h.server.users.verifyLogin(name, PASSWORD)).ok, false)
      assert.ok((await revocations(env, 'subject')).some((r) => r.sub === zed.id))
      await page.getByRole('button', { name: `Enable ${name}` }).click()
      await done()
      assert.equal((await env.h.server.users.verifyLogin(name, PASSWORD)).ok, true)
      await page.getByRole('button', { name: 'Reset second factor of nora' }).click()
      await done()
      assert.equal((await env.h.server.users.findByUsername('nora'))?.mfa, false)
      // The same typed events as `mandate users …`, attributed to the operator.
      const olga = await env.h.server.users.findByUsername('olga')
      const changes = env.h.audit.flatMap((e) =>
        'username' in e && 'actor' in e && e.actor === 'console' && e.sub === olga?.id
          ? [`${e.type} ${e.username}`]
          : [],
      )
      for (const expected of [
        `user.added ${name}`,
        `user.disabled ${name}`,
        `user.enabled ${name}`,
        'user.mfa_reset nora',
      ]) {
        assert.ok(changes.includes(expected), expected)
      }
      assert.ok(!env.h.audit.some((e) => e.type === 'admin.action'))
    })

    void it('clients: a registered client is listed, disabled, deleted (its tokens refused)', async () => {
      const response = await fetch(env.h.as.registration_endpoint ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: `CLI ${String(js)}`,
          redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          application_type: 'native',
        }),
      })
      const clientId = ((await response.json()) as { client_id: string }).client_id
      await go('/admin/clients')
      assert.match(await page.getByTestId('clients').innerText(), new RegExp(`CLI ${String(js)}`))
      await page.getByRole('button', { name: `Disable client ${clientId}` }).click()
      await done()
      assert.equal(
        await page.getByRole('button', { name: `Disable client ${clientId}` }).count(),
        0,
      )
      assert.ok((await revocations(env, 'client')).some((r) => r.client_id === clientId))
      await page.getByRole('button', { name: `Delete client ${clientId}` }).click()
      await done()
      assert.doesNotMatch(await page.getByTestId('clients').innerText(), new RegExp(clientId))
      assert.ok((await revocations(env, 'client')).some((r) => r.client_id === clientId))
      for (const type of ['client.disabled', 'client.deleted']) {
        const found = env.h.audit.some(
          (e) =>
            e.type === type &&
            'client_id' in e &&
            e.client_id === clientId &&
            'actor' in e &&
            e.actor === 'console',
        )
        assert.ok(found, type)
      }
    })

    void it('grants: filtered by user, revoked (its tokens refused)', async () => {
      await authorize(env.h, { username: 'alice' })
      await page.goto(`${env.h.issuer}/admin/grants`)
      await page.getByLabel('User').fill('alice')
      await page.getByRole('button', { name: 'Filter' }).click()
      await page.waitForURL(/user=alice/)
      const revoke = page.getByRole('button', { name: /Revoke grant of .* for alice/ })
      assert.equal(await revoke.count(), 1)
      await revoke.click()
      await done()
      assert.equal(
        await page.getByRole('button', { name: /Revoke grant of .* for alice/ }).count(),
        0,
      )
      assert.equal((await revocations(env, 'grant')).length, 1)
      const alice = await env.h.server.users.findByUsername('alice')
      const revoked = env.h.audit.filter((e) => e.type === 'grant.revoked')
      assert.equal(revoked.length, 1)
      assert.equal(revoked[0]?.type === 'grant.revoked' && revoked[0].user_id, alice?.id)
      assert.equal(revoked[0]?.type === 'grant.revoked' && revoked[0].actor, 'console')
    })

    void it('audit viewer: filters by user and type, chain status, export', async () => {
      await go('/admin/audit?user=alice')
      assert.match(await page.getByTestId('audit').innerText(), /login\.succeeded/)
      assert.doesNotMatch(await page.getByTestId('audit').innerText(), /mfa\.failed/)
      await go('/admin/audit?type=mfa.')
      assert.match(await page.getByTestId('audit').innerText(), /mfa\.failed/)
      // The test's rows are not chained: the viewer says where the chain breaks.
      assert.match(await page.getByTestId('audit-chain').innerText(), /broken in stream test/)
      const href = await page
        .getByRole('link', { name: /Export these events/ })
        .getAttribute('href')
      assert.equal(href, '/admin/audit/export?type=mfa.')
      const exported = await page.request.get(`${env.h.issuer}${href}`)
      assert.equal(exported.status(), 200)
      assert.match(exported.headers()['content-disposition'] ?? '', /attachment/)
      const lines = (await exported.text()).trim().split('\n')
      assert.deepEqual(
        lines.map((line) => (JSON.parse(line) as { type: string }).type),
        ['mfa.failed'],
      )
      await go('/admin/audit?type=nothing.')
      assert.equal(await page.getByText('No events.').count(), 1)
    })
  })
}
