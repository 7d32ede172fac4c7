// Every page people see, in Chromium with JavaScript off and on (issue 16): one design system
// (the hashed stylesheet applies, no inline script or style), exactly one <h1>, a label for
// every control, no English outside the strings table, 0 serious/critical axe-core violations
// in light and dark, and screenshots (light/dark, desktop/phone) under
// test-results/pages/ — never of a page showing a TOTP secret or recovery codes.
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
import { authorizationRequest, shotsDir, signIn, startPagesEnv } from './support/pages-env.ts'
import type { PagesEnv } from './support/pages-env.ts'
import { PASSWORD } from './support/harness.ts'
import { currentStep, totpAt } from '../src/mfa/totp.ts'

const SHOTS = shotsDir('pages')
const skip = chromiumSkipReason()

const wrongCode = (secret: string): string =>
  String((Number(totpAt(secret, currentStep())) + 1) % 1_000_000).padStart(6, '0')

for (const js of [false, true]) {
  void describe(`people's pages in Chromium (JavaScript ${js ? 'on' : 'off'})`, { skip }, () => {
    let env: PagesEnv
    let context: BrowserContext

    before(async () => {
      env = await startPagesEnv(SHOTS)
      context = await env.context(js)
    })
    after(async () => {
      await env.close()
    })

    /** The design checks of the page now shown; screenshots only of pages without secrets. */
    const visit = async (page: Page, name: string, shots = true): Promise<void> => {
      await checkStructure(page, name)
      await assertStyled(page, name)
      if (js) {
        for (const colorScheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme })
          await checkAccessibility(page, `${name} (${colorScheme})`)
        }
        await page.emulateMedia({ colorScheme: 'light' })
      } else if (shots) {
        await screenshots(page, SHOTS, name)
      }
    }

    void it('sign in (wrong password), consent, account, reauth, error, sign out', async (t) => {
      const page = await context.newPage()
      t.after(() => page.close())
      await page.goto(`${env.h.issuer}/account`)
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      await visit(page, 'login')
      await page.getByLabel('Username').fill('alice')
      await page.getByLabel('Password').fill('not the password')
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.getByRole('alert').waitFor()
      await visit(page, 'login-error')
      await page.getByLabel('Username').fill('alice')
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL(`${env.h.issuer}/account`)

      await authorizationRequest(env, page)
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor()
      // Signed in as, the configured description, the raw name one click away, the client.
      assert.equal(await page.getByTestId('signed-in-as').innerText(), 'Signed in as alice')
      assert.equal(await page.getByLabel('Use your tools').count(), 1)
      assert.equal(await page.getByText('Technical name').count(), 2)
      assert.equal(await page.getByTestId('verified').count(), 1)
      await visit(page, 'consent')
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL(/callback/)

      await page.goto(`${env.h.issuer}/account`)
      const agent = page.getByTestId('agent')
      assert.equal(await agent.count(), 1)
      assert.match(await agent.innerText(), /Test MCP client[\s\S]*just now[\s\S]*Use your tools/)
      assert.equal(await page.getByRole('link', { name: 'Manage linked accounts' }).count(), 1)
      assert.match(
        await page.getByTestId('linked').innerText(),
        /GitHub\s+alice-gh\s+read:user\s+2 h ago\s+active/,
      )
      assert.equal(await page.getByRole('link', { name: 'Sign out' }).count(), 1)
      await visit(page, 'account')

      await page.goto(`${env.h.issuer}/account/reauth`)
      await visit(page, 'reauth')
      await page.goto(`${env.h.issuer}/oauth/interaction/no-such-interaction`)
      await visit(page, 'error')

      await page.goto(`${env.h.issuer}/account`)
      await page.getByRole('link', { name: 'Sign out' }).click()
      await page.getByRole('heading', { name: 'Sign out' }).waitFor()
      await visit(page, 'sign-out')
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.getByRole('status').waitFor()
      await visit(page, 'signed-out')
      assert.ok(env.h.audit.some((e) => e.type === 'account.changed' && e.action === 'signed_out'))
      // Signed out: /account asks to sign in again.
      await page.goto(`${env.h.issuer}/account`)
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    })

    void it('second factor: a wrong enrolment code shows the same secret again, not a dead end', async (t) => {
      const page = await (await env.context(js)).newPage()
      t.after(() => page.close())
      const name = `enrol-${String(js)}`
      await env.h.server.users.add({ username: name, password: PASSWORD })
      await signIn(env, page, name)
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
      await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor()
      await visit(page, 'enrol', false)
      const secret = (await page.getByTestId('totp-secret').textContent()) ?? ''
      await page.getByLabel('6-digit code').fill(wrongCode(secret))
      const refused = page.waitForResponse((r) => r.url().endsWith('/account/mfa/confirm'))
      await page.getByRole('button', { name: 'Confirm' }).click()
      assert.equal((await refused).status(), 401)
      await page.getByRole('alert').waitFor()
      assert.equal(await page.getByTestId('totp-secret').textContent(), secret)
      assert.equal(await page.getByRole('link', { name: 'Cancel' }).count(), 1)
      await visit(page, 'enrol-wrong-code', false)
      await page.getByLabel('6-digit code').fill(totpAt(secret, currentStep()))
      await page.getByRole('button', { name: 'Confirm' }).click()
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
      await visit(page, 'recovery-codes', false)
      await page.getByRole('button', { name: /continue/ }).click()
      assert.equal(await page.getByTestId('mfa-status').innerText(), 'Authenticator app enabled')
    })

    void it('password change and sign-out everywhere (audited, other sessions end)', async (t) => {
      const name = `pw-${String(js)}`
      await env.h.server.users.add({ username: name, password: PASSWORD })
      const other = await env.context(js)
      const first = await other.newPage()
      await signIn(env, first, name)
      const page = await (await env.context(js)).newPage()
      t.after(() => page.close())
      await signIn(env, page, name)
      assert.equal(await page.getByTestId('sessions').innerText(), 'Signed in on 2 browser(s).')
      await page.getByRole('button', { name: 'Sign out everywhere' }).click()
      await page.getByRole('status').waitFor()
      assert.equal(await page.getByTestId('sessions').innerText(), 'Signed in on 1 browser(s).')
      // The other browser is signed out; this one is not.
      await first.goto(`${env.h.issuer}/account`)
      await first.getByRole('heading', { name: 'Sign in' }).waitFor()

      await page.getByLabel('Current password').fill(PASSWORD)
      await page.getByLabel(/New password/).fill('another good password')
      await page.getByRole('button', { name: 'Change password' }).click()
      // Every session ends with a new password, this one too: sign in again.
      await page.getByRole('status').waitFor()
      assert.match(await page.getByRole('status').innerText(), /password was changed/)
      assert.equal(await page.getByRole('link', { name: 'Sign in again' }).count(), 1)
      assert.ok(
        env.h.audit.some((e) => e.type === 'account.changed' && e.action === 'password_changed'),
      )
      assert.equal((await env.h.server.users.verifyLogin(name, 'another good password')).ok, true)
    })
  })
}
