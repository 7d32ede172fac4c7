// Managing the second factor from /account in a real browser (Debian's Chromium through
// playwright-core, JavaScript disabled): enrol TOTP, regenerate recovery codes, turn it off,
// re-authentication when the sign-in is stale, CSRF and cross-session refusals.
// Screenshots go to test-results/authorization-server/ (never of a page with a secret or codes).
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { PASSWORD, REDIRECT_URI, RESOURCE, startServer } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { currentStep, totpAt } from '../src/mfa/totp.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason } from '../../../test/support/browser.ts'

const SHOTS = join(process.cwd(), 'test-results', 'authorization-server')
const skip = chromiumSkipReason()

/** A six-digit code that is valid at none of the accepted steps (±1) for this secret. */
function wrongCode(secret: string): string {
  const step = currentStep()
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpAt(secret, step + d)))
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0')
    if (!valid.has(code)) return code
  }
}

void describe(
  'account page: second factor management in Chromium (no JavaScript)',
  { skip },
  () => {
    const backend = sqliteBackend()
    let store: Store
    let h: Harness
    let browser: Browser
    let mia: BrowserContext
    let nina: BrowserContext

    const newContext = async (): Promise<BrowserContext> => {
      const context = await browser.newContext({ javaScriptEnabled: false })
      await context.route(`${REDIRECT_URI}**`, (route) =>
        route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback reached' }),
      )
      return context
    }
    /** Signs in through an ordinary authorization request (password only) and consents. */
    const signIn = async (context: BrowserContext, username: string): Promise<void> => {
      const page = await context.newPage()
      const url = new URL(h.as.authorization_endpoint ?? '')
      url.search = new URLSearchParams({
        client_id: 'mcp-client',
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'tools:read',
        resource: RESOURCE,
        state: 'st',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString()
      await page.goto(url.href)
      await page.getByLabel('Username').fill(username)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('button', { name: 'Allow' }).click()
      await page.waitForURL(`${REDIRECT_URI}**`)
      await page.close()
    }
    const account = async (context: BrowserContext): Promise<Page> => {
      const page = await context.newPage()
      await page.goto(`${h.issuer}/account`)
      return page
    }
    const csrfOf = async (page: Page): Promise<string> =>
      (await page.locator('input[name=csrf]').first().getAttribute('value')) ?? ''
    const mfaOn = async (username: string): Promise<boolean> =>
      (await h.server.users.findByUsername(username))?.mfa === true
    /** Makes the session's sign-in an hour old, as if the user signed in long ago. */
    const ageSession = async (context: BrowserContext): Promise<void> => {
      const cookie = (await context.cookies(h.issuer)).find((c) => c.name === '_session')
      assert.ok(cookie !== undefined)
      const session = await h.server.provider().Session.find(cookie.value)
      assert.ok(session?.loginTs !== undefined)
      session.loginTs -= 3600
      await session.persist()
    }

    before(async () => {
      mkdirSync(SHOTS, { recursive: true })
      store = await backend.open({ migrate: true })
      h = await startServer(store)
      await h.server.users.add({ username: 'mia', password: PASSWORD })
      await h.server.users.add({ username: 'nina', password: PASSWORD })
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      })
      mia = await newContext()
      nina = await newContext()
      await signIn(mia, 'mia')
      await signIn(nina, 'nina')
    })
    after(async () => {
      await browser.close()
      await h.close()
      await store.close()
      await backend.cleanup()
    })

    void it('enrol from /account (wrong code refused), regenerate recovery codes, turn off', async () => {
      const page = await account(mia)
      assert.equal(await page.getByTestId('mfa-status').innerText(), 'Not enabled')
      await page.screenshot({ path: join(SHOTS, 'account-mfa-off.png'), fullPage: true })

      // A wrong first code is refused and enrols nothing.
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
      await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor()
      let secret = (await page.getByTestId('totp-secret').textContent()) ?? ''
      await page.getByLabel('6-digit code').fill(wrongCode(secret))
      const refused = page.waitForResponse((r) => r.url().endsWith('/account/mfa/confirm'))
      await page.getByRole('button', { name: 'Confirm' }).click()
      assert.equal((await refused).status(), 401)
      assert.equal(await mfaOn('mia'), false)
      assert.ok(h.audit.some((e) => e.type === 'mfa.failed'))

      // The same page and QR code as in the login flow; a code confirms it; codes shown once.
      await page.goto(`${h.issuer}/account`)
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
      await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor()
      secret = (await page.getByTestId('totp-secret').textContent()) ?? ''
      await page.getByLabel('6-digit code').fill(totpAt(secret, currentStep()))
      await page.getByRole('button', { name: 'Confirm' }).click()
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
      const first = await page.getByTestId('recovery-codes').locator('code').allTextContents()
      assert.equal(first.length, 10)
      await page.getByRole('button', { name: /continue/ }).click()
      await page.waitForURL(`${h.issuer}/account`)
      assert.equal(await page.getByTestId('mfa-status').innerText(), 'Authenticator app enabled')
      assert.equal(await mfaOn('mia'), true)
      const miaId = (await h.server.users.findByUsername('mia'))?.id
      assert.ok(h.audit.some((e) => e.type === 'mfa.enrolled' && e.sub === miaId))
      await page.screenshot({ path: join(SHOTS, 'account-mfa-on.png'), fullPage: true })

      // Regenerating needs a current TOTP code: a recovery code is not enough.
      await page
        .getByLabel('Code from your authenticator app', { exact: true })
        .fill(first[0] ?? '')
      const byRecovery = page.waitForResponse((r) => r.url().endsWith('/account/mfa/recovery'))
      await page.getByRole('button', { name: 'Generate new recovery codes' }).click()
      assert.equal((await byRecovery).status(), 401)
      await page.goto(`${h.issuer}/account`)
      await page
        .getByLabel('Code from your authenticator app', { exact: true })
        .fill(totpAt(secret, currentStep() + 1))
      await page.getByRole('button', { name: 'Generate new recovery codes' }).click()
      await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
      const second = await page.getByTestId('recovery-codes').locator('code').allTextContents()
      assert.equal(second.length, 10)
      assert.equal(second.filter((code) => first.includes(code)).length, 0)
      assert.ok(h.audit.some((e) => e.type === 'mfa.recovery_regenerated'))
      await page.getByRole('button', { name: /continue/ }).click()
      await page.waitForURL(`${h.issuer}/account`)

      // Turning off with a wrong code (an old, replaced recovery code) is refused.
      await page.getByLabel(/or a recovery code/).fill(first[1] ?? '')
      const wrong = page.waitForResponse((r) => r.url().endsWith('/account/mfa/disable'))
      await page.getByRole('button', { name: 'Turn off the second factor' }).click()
      assert.equal((await wrong).status(), 401)
      assert.equal(await mfaOn('mia'), true)
      assert.equal(
        h.audit.some((e) => e.type === 'mfa.disabled'),
        false,
      )
      // A new recovery code turns it off.
      await page.goto(`${h.issuer}/account`)
      await page.getByLabel(/or a recovery code/).fill(second[0] ?? '')
      await page.getByRole('button', { name: 'Turn off the second factor' }).click()
      // Removing a factor ends every session and grant of the user (docs/revocation.md), this
      // browser's too: the next page asks to sign in again.
      await page.getByLabel(/^password/i).waitFor()
      assert.equal(await mfaOn('mia'), false)
      const disabled = h.audit.find((e) => e.type === 'mfa.disabled')
      assert.deepEqual(disabled === undefined ? undefined : { ...disabled, time: '' }, {
        type: 'mfa.disabled',
        sub: disabled?.sub,
        method: 'recovery',
        issuer: h.issuer,
        time: '',
      })
      await page.close()
      // Signed in again for the tests below, which act as mia.
      await signIn(mia, 'mia')
    })

    void it('catalogue #16: the account pages refuse framing', async () => {
      const page = await mia.newPage()
      const response = await page.goto(`${h.issuer}/account`)
      assert.match(response?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/)
      assert.equal(response?.headers()['x-frame-options'], 'DENY')
      await page.close()
    })

    void it('CSRF: a POST without, or with a wrong, token is refused', async () => {
      const page = await account(mia)
      const csrf = await csrfOf(page)
      for (const path of ['/account/mfa/enrol', '/account/mfa/disable', '/account/mfa/recovery']) {
        for (const form of [{}, { csrf: `${csrf.slice(0, -2)}xx` }, { csrf: '' }]) {
          const response = await mia.request.post(`${h.issuer}${path}`, { form, maxRedirects: 0 })
          assert.equal(response.status(), 403, `${path} ${JSON.stringify(Object.keys(form))}`)
        }
      }
      // The genuine token works (control: the refusals above are the CSRF check's).
      const ok = await mia.request.post(`${h.issuer}/account/mfa/enrol`, {
        form: { csrf },
        maxRedirects: 0,
      })
      assert.equal(ok.status(), 200)
      await page.close()
    })

    void it("catalogue #164: another user's session cannot act on this account", async () => {
      // Mia's form tokens, replayed with Nina's session cookie: refused.
      const page = await account(mia)
      const miaCsrf = await csrfOf(page)
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
      const step = (await page.locator('input[name=step]').getAttribute('value')) ?? ''
      const secret = (await page.getByTestId('totp-secret').textContent()) ?? ''
      await page.close()
      const asNina = await nina.request.post(`${h.issuer}/account/mfa/enrol`, {
        form: { csrf: miaCsrf },
        maxRedirects: 0,
      })
      assert.equal(asNina.status(), 403)
      // Nina's own CSRF token with Mia's enrolment step and a valid code for Mia's secret.
      const ninaPage = await account(nina)
      const ninaCsrf = await csrfOf(ninaPage)
      await ninaPage.close()
      const confirm = await nina.request.post(`${h.issuer}/account/mfa/confirm`, {
        form: { csrf: ninaCsrf, step, code: totpAt(secret, currentStep()) },
        maxRedirects: 0,
      })
      assert.equal(confirm.status(), 403)
      assert.equal(await mfaOn('mia'), false)
      assert.equal(await mfaOn('nina'), false)
    })

    void it('catalogue #95: a stale sign-in is sent to re-authenticate, then comes back', async () => {
      await ageSession(mia)
      const page = await account(mia)
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
      await page.waitForURL(`${h.issuer}/account/reauth`)
      await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor()
      await page.screenshot({ path: join(SHOTS, 'account-reauth.png'), fullPage: true })
      // A stale session cannot reach the enrolment page even with a valid CSRF token.
      const direct = await mia.request.post(`${h.issuer}/account/mfa/enrol`, {
        form: { csrf: await csrfOf(page) },
        maxRedirects: 0,
      })
      assert.equal(direct.status(), 303)
      assert.equal(direct.headers()['location'], '/account/reauth')

      await page.getByLabel('Password').fill('not the password')
      const wrong = page.waitForResponse((r) => r.url().endsWith('/account/reauth'))
      await page.getByRole('button', { name: 'Continue' }).click()
      assert.equal((await wrong).status(), 401)
      await page.getByRole('alert').waitFor()
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.waitForURL(`${h.issuer}/account`)
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click()
      await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor()
      await page.close()
    })
  },
)
