// The operator console's providers section (issue 16) through `mandate serve` and Chromium
// without JavaScript: list, add a preset with its client secret typed once (sealed in the vault,
// never shown again), test a provider registered with `mandate providers add` against a second
// oidc-provider (the checks of `mandate providers test`), remove. Audited as `admin.action`;
// refusals beside the positive controls: no CSRF token, a non-operator (403 on every route).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { currentStep, totpAt } from '../../packages/authorization-server/src/mfa/totp.ts'
import { runCli } from '../support/cli.ts'
import { chromiumSkip } from './support/mandate-e2e.ts'
import { startPagesSession } from './support/pages-session.ts'
import type { PagesSession } from './support/pages-session.ts'
import { startThirdPartyIdp } from './support/third-party-idp.ts'
import type { ThirdPartyIdp } from './support/third-party-idp.ts'

const SHOTS = join(process.cwd(), 'test-results', 'e2e-console-providers')
const SECRET = 'console-typed-secret-0123456789'

void describe("mandate serve: the console's providers section", { skip: chromiumSkip }, () => {
  let s: PagesSession
  let idp: ThirdPartyIdp
  before(async () => {
    idp = await startThirdPartyIdp()
    s = await startPagesSession({
      prefix: 'mandate-e2e-console-providers-',
      shots: SHOTS,
      users: ['bob', 'olga'],
      operators: ['olga'],
      setup: async (dir, dataDir) => {
        const added = await runCli(idp.addArgs('loopback-idp', dir, dataDir), {
          stdin: `${idp.clientSecret}\n`,
        })
        assert.equal(added.code, 0, added.stderr)
      },
    })
  })
  after(async () => {
    await s.close()
    await idp.close()
  })

  void it('console providers: add (secret sealed, never shown), test, remove; guarded', async () => {
    // olga enrols a second factor, then signs in with it.
    const enrol = await (await s.newContext(false)).newPage()
    await s.signIn(enrol, 'olga', '/account')
    await enrol.getByRole('button', { name: 'Set up an authenticator app' }).click()
    const secret = (await enrol.getByTestId('totp-secret').textContent()) ?? ''
    await enrol.getByLabel('6-digit code').fill(totpAt(secret, currentStep()))
    await enrol.getByRole('button', { name: 'Confirm' }).click()
    const codes = await enrol.getByTestId('recovery-codes').locator('code').allTextContents()
    assert.equal(codes.length, 10)
    const context = await s.newContext(false)
    const page = await context.newPage()
    await s.signIn(page, 'olga', '/admin/providers', codes[0])
    assert.match(await page.getByTestId('providers').innerText(), /loopback-idp/)
    await s.check(page, 'admin-providers', false)

    // Test: the same checks as `mandate providers test`, against the second oidc-provider.
    await page.getByRole('button', { name: 'Test provider loopback-idp' }).click()
    const checks = await page.getByTestId('provider-checks').innerText()
    assert.match(checks, /discovery/)
    assert.match(checks, /token_endpoint/)
    assert.doesNotMatch(checks, /failed/)
    await s.check(page, 'admin-provider-test', false)

    // Add a preset with a secret typed once: sealed in the vault, never on a page again.
    await page.goto(s.url('/admin/providers'))
    await page.getByLabel(/^Id \(a preset/).fill('github')
    await page.getByLabel('Client id').fill('gh-client')
    await page.getByLabel(/^Client secret/).fill(SECRET)
    await page.getByRole('button', { name: 'Add a provider' }).click()
    await page.getByRole('status').waitFor()
    const row = page.getByTestId('providers').locator('tr', { hasText: 'github' })
    assert.match(await row.innerText(), /gh-client[\s\S]*sealed/)
    assert.doesNotMatch(await page.content(), new RegExp(SECRET))
    const sealed = await s.store.db
      .selectFrom('vault_provider_secrets')
      .select('secret')
      .where('provider', '=', 'github')
      .executeTakeFirstOrThrow()
    assert.doesNotMatch(sealed.secret, new RegExp(SECRET))
    const listed = await runCli(['providers', 'list', ...s.dataDir])
    assert.match(listed.stdout, /github .*client_id=gh-client client registration sealed/)

    // CSRF: a missing or expired-looking token changes nothing.
    for (const path of [
      '/admin/providers/add',
      '/admin/providers/remove',
      '/admin/providers/test',
    ]) {
      const refused = await context.request.post(s.url(path), {
        form: { id: 'slack', provider: 'github', client_id: 'x', client_secret: 'y' },
        maxRedirects: 0,
      })
      assert.equal(refused.status(), 403, path)
    }
    // A non-operator gets 403 on the section and every action, even with the operator's token.
    const csrf = await s.field(page, '/admin/providers/remove', 'csrf')
    const bob = await s.newContext(false)
    await s.signIn(await bob.newPage(), 'bob', '/account')
    assert.equal(
      (await bob.request.get(s.url('/admin/providers'), { maxRedirects: 0 })).status(),
      403,
    )
    for (const path of [
      '/admin/providers/add',
      '/admin/providers/remove',
      '/admin/providers/test',
    ]) {
      const refused = await bob.request.post(s.url(path), {
        form: { csrf, id: 'slack', provider: 'github', client_id: 'x', client_secret: 'y' },
        maxRedirects: 0,
      })
      assert.equal(refused.status(), 403, path)
    }
    assert.match(await page.getByTestId('providers').innerText(), /github/)

    await page.getByRole('button', { name: 'Remove provider github' }).click()
    await page.getByRole('status').waitFor()
    assert.doesNotMatch(await page.getByTestId('providers').innerText(), /github/)
    const actions = await s.store.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'admin.action')
      .execute()
    const details = actions.map((a) => a.detail).join('\n')
    for (const action of ['providers.add', 'providers.test', 'providers.remove'])
      assert.match(details, new RegExp(action.replace('.', '\\.')))
    assert.doesNotMatch(details, new RegExp(SECRET))

    // axe-core with JavaScript on (a second sign-in with a recovery code).
    const js = await (await s.newContext(true)).newPage()
    await s.signIn(js, 'olga', '/admin/providers', codes[1])
    await s.check(js, 'admin-providers', true)
    await js.getByRole('button', { name: 'Test provider loopback-idp' }).click()
    await js.getByTestId('provider-checks').waitFor()
    await s.check(js, 'admin-provider-test', true)
  })
})
