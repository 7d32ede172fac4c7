// The first-party sign-in route (/account/sign-in → login → /account/signed-in → return_to)
// in a real browser (Debian's Chromium through playwright-core, JavaScript disabled), and the
// refusals of a state that was tampered with, has expired, or belongs to another browser, and
// of a code that is not the internal client's or not the signed-in account's.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { getMeta } from '@mandate/store'
import type { Store } from '@mandate/store'
import { openValue } from '@mandate/vault'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason } from '../../../test/support/browser.ts'
import { authorize, PASSWORD, startServer, TEST_KEYS } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { signInCookieName, signSignInState } from '../src/sessions/sign-in-state.ts'
import type { SignInClaims } from '../src/sessions/sign-in-state.ts'

const skip = chromiumSkipReason()

void describe('account sign-in in Chromium (no JavaScript)', { skip }, () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let browser: Browser

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    await h.server.users.add({ username: 'bob', password: PASSWORD })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    })
  })
  after(async () => {
    await browser.close()
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  const newContext = async (): Promise<BrowserContext> => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    // Stand-in for the connect pages of @mandate/server (same origin in `mandate serve`).
    await context.route(`${h.issuer}/connect/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'connect page' }),
    )
    return context
  }
  const fillLogin = async (page: Page, username: string): Promise<void> => {
    await page.getByLabel('Username').fill(username)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }
  /** Signs the context in through the route, as a user would. */
  const signIn = async (context: BrowserContext, username: string): Promise<void> => {
    const page = await context.newPage()
    await page.goto(`${h.issuer}/account/sign-in`)
    await fillLogin(page, username)
    await page.waitForURL(`${h.issuer}/account`)
    await page.close()
  }
  /**
   * In a signed-in context, starts a sign-in with the context's cookie jar and follows the
   * redirects up to /account/signed-in without delivering it: its code is still unused and the
   * context holds the state's cookie. (Playwright cannot hold a redirect target in the page.)
   */
  const holdCallback = async (context: BrowserContext, returnTo = '/account'): Promise<URL> => {
    let url = `${h.issuer}/account/sign-in?return_to=${encodeURIComponent(returnTo)}`
    for (let hop = 0; hop < 10; hop++) {
      const response = await context.request.get(url, { maxRedirects: 0 })
      const location = response.headers()['location']
      assert.ok(location !== undefined, `no redirect from ${new URL(url).pathname}`)
      url = new URL(location, url).href
      if (url.startsWith(`${h.issuer}/account/signed-in?`)) return new URL(url)
    }
    throw new Error('no callback')
  }
  const claimsOf = (url: URL): SignInClaims =>
    JSON.parse(
      Buffer.from(
        (url.searchParams.get('state') ?? '').split('.')[0] ?? '',
        'base64url',
      ).toString(),
    ) as SignInClaims
  /** Opens the URL in the context; returns the final URL and the status of the first answer. */
  const open = async (context: BrowserContext, url: URL | string) => {
    const page = await context.newPage()
    const response = await page.goto(typeof url === 'string' ? url : url.href)
    const result = {
      status: response?.status(),
      url: new URL(page.url()),
      text: await page.content(),
    }
    await page.close()
    return result
  }
  const refused = (result: Awaited<ReturnType<typeof open>>) => {
    assert.equal(result.status, 400)
    assert.equal(result.url.pathname, '/account/signed-in')
    assert.match(result.text, /invalid_request/)
  }

  void it('a signed-out browser opening /account signs in and lands on /account, no consent', async () => {
    const context = await newContext()
    const page = await context.newPage()
    const documents: string[] = []
    page.on('response', (response) => {
      if (response.request().resourceType() === 'document') {
        documents.push(`${String(response.status())} ${new URL(response.url()).pathname}`)
      }
    })
    await page.goto(`${h.issuer}/account`)
    assert.equal(await page.title(), 'Sign in · Mandate')
    await fillLogin(page, 'alice')
    await page.waitForURL(`${h.issuer}/account`)
    assert.match((await page.locator('main').textContent()) ?? '', /Signed in as alice/)
    // The internal client is not listed as an application with access.
    assert.match((await page.locator('main').textContent()) ?? '', /No application has access/)
    // Exactly two pages were rendered: the login page and the account page (no consent page).
    const pages = documents.filter((d) => d.startsWith('200 '))
    assert.equal(pages.length, 2, documents.join(', '))
    assert.match(pages[0] ?? '', /^200 \/oauth\/interaction\//)
    assert.equal(pages[1], '200 /account')
    assert.ok(documents.some((d) => d.startsWith('303 /account/signed-in')))
    assert.ok(h.audit.some((e) => e.type === 'login.succeeded'))
    assert.ok(!h.audit.some((e) => e.type === 'consent.granted'))
    // Signed in now: another sign-in bounces straight back without a login page.
    const again = await open(context, `${h.issuer}/account/sign-in?return_to=/connect/xyz`)
    assert.equal(again.url.href, `${h.issuer}/connect/xyz`)
    await context.close()
  })

  void it('return_to is honoured for a same-origin path (catalogue #6)', async () => {
    const context = await newContext()
    const page = await context.newPage()
    await page.goto(
      `${h.issuer}/account/sign-in?return_to=${encodeURIComponent('/connect/abc?x=1')}`,
    )
    await fillLogin(page, 'alice')
    await page.waitForURL(`${h.issuer}/connect/**`)
    const landed = new URL(page.url())
    assert.equal(landed.origin, h.issuer)
    assert.equal(`${landed.pathname}${landed.search}`, '/connect/abc?x=1')
    await context.close()
  })

  void it('catalogue #9: a tampered, expired or other-browser state is refused; the right one works', async () => {
    const a = await newContext()
    await signIn(a, 'alice')
    const callback = await holdCallback(a, '/connect/a')
    const claims = claimsOf(callback)
    const withState = (state: string) => {
      const url = new URL(callback)
      url.searchParams.set('state', state)
      return url
    }
    const [, signature] = (callback.searchParams.get('state') ?? '').split('.')
    const body = (c: SignInClaims) => Buffer.from(JSON.stringify(c)).toString('base64url')

    // Tampered: another return_to under the original signature.
    refused(await open(a, withState(`${body({ ...claims, r: '/connect/b' })}.${signature ?? ''}`)))

    // Expired: correctly signed, bound to this browser's cookie, but past its expiry.
    const sealed = (await getMeta(store, 'as.cookie-secret')) ?? ''
    const secret = await openValue(
      TEST_KEYS,
      { purpose: 'installation_secret', recordId: 'as.cookie-secret' },
      sealed,
    )
    refused(
      await open(a, withState(signSignInState(secret, { ...claims, exp: Date.now() - 1000 }))),
    )

    // Another browser, signed in as the same user: without the cookie, and with a wrong one.
    const b = await newContext()
    await signIn(b, 'alice')
    refused(await open(b, callback))
    await b.addCookies([
      {
        name: signInCookieName(claims.f),
        value: 'not-the-nonce',
        url: `${h.issuer}/account/signed-in`,
      },
    ])
    refused(await open(b, callback))
    await b.close()

    // The untouched callback in the browser that started it: the code was not spent above.
    const ok = await open(a, callback)
    assert.equal(ok.url.href, `${h.issuer}/connect/a`)
    // Used once: the cookie is gone, so the same state does not work again.
    refused(await open(a, callback))
    await a.close()
  })

  void it('a code of another client, or of another account, is refused', async () => {
    const a = await newContext()
    await signIn(a, 'alice')
    // A valid state and cookie in browser A, with the code of an ordinary client for alice.
    const started = await holdCallback(a, '/connect/other-client')
    const { callback } = await authorize(h, { scope: 'openid tools:read' })
    const otherCode = callback.searchParams.get('code') ?? ''
    const withCode = (url: URL, code: string) => {
      const copy = new URL(url)
      copy.searchParams.set('code', code)
      return copy
    }
    const other = await open(a, withCode(started, otherCode))
    refused(other)
    assert.notEqual(other.url.pathname, '/connect/other-client')

    // Browser C signed in as bob, with its own valid state and cookie, presents alice's code.
    const c = await newContext()
    await signIn(c, 'bob')
    const bobs = await holdCallback(c, '/connect/bob')
    const alices = await holdCallback(a)
    refused(await open(c, withCode(bobs, alices.searchParams.get('code') ?? '')))
    await c.close()
    await a.close()
  })
})
