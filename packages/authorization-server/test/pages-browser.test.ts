// The server-rendered pages in a real browser (Debian's Chromium through playwright-core),
// with JavaScript disabled: login, consent (hostnames, warnings, per-scope untick), TOTP
// enrolment, recovery codes, account (grants, revoke), error page, framing refused.
// No screenshot of a page showing a TOTP secret or recovery codes.
// Screenshots go to test-results/authorization-server/.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import {
  PASSWORD,
  redeem,
  REDIRECT_URI,
  RESOURCE,
  startServer,
  tokenRequest,
} from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import { currentStep, totpAt } from '../src/mfa/totp.ts'
import { qrCodeSvg } from '../src/mfa/qr-code.ts'
import { CHROMIUM, CHROMIUM_ARGS, chromiumSkipReason } from '../../../test/support/browser.ts'

const SHOTS = join(process.cwd(), 'test-results', 'authorization-server')
const skip = chromiumSkipReason()

void describe('pages in Chromium (no JavaScript)', { skip }, () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let context: BrowserContext
  let profile: string
  let framer: Server

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    await h.server.users.add({ username: 'frank', password: PASSWORD })
    profile = mkdtempSync(join(tmpdir(), 'mandate-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      javaScriptEnabled: false,
      args: CHROMIUM_ARGS,
    })
    // The client's loopback callback: answered by the test, never by a real listener.
    await context.route(`${REDIRECT_URI}**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback reached' }),
    )
    framer = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<iframe id="f" src="${h.issuer}/oauth/interaction/x" width="400" height="300"></iframe>`,
        )
    })
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve))
  })
  after(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
    framer.closeAllConnections()
    await new Promise((resolve) => framer.close(resolve))
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  const start = async (page: Page, extra: Record<string, string> = {}) => {
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const url = new URL(h.as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      client_id: 'mcp-client',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'tools:read tools:write',
      resource: RESOURCE,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }).toString()
    await page.goto(url.href)
    return { verifier, state }
  }

  void it('login, consent with hostnames and warnings, untick a scope, account page with revoke', async () => {
    const page = await context.newPage()
    const { verifier, state } = await start(page)
    assert.equal(await page.title(), 'Sign in · Mandate')
    // Labels and focus order: username (autofocus), password, then the button.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'username')
    await page.getByLabel('Username').focus()
    await page.keyboard.press('Tab')
    assert.equal(
      await page.getByLabel('Password').evaluate((el) => el === document.activeElement),
      true,
    )
    await page.screenshot({ path: join(SHOTS, 'login.png'), fullPage: true })
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.getByRole('heading', { name: 'Allow access?' }).waitFor()
    assert.equal(await page.getByTestId('redirect-host').textContent(), '127.0.0.1:7777')
    assert.match(
      await page
        .locator('.warning')
        .allTextContents()
        .then((t) => t.join(' ')),
      /localhost/,
    )
    await page.screenshot({ path: join(SHOTS, 'consent.png'), fullPage: true })
    await page.getByLabel(/tools:write/).uncheck()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${REDIRECT_URI}**`)
    const tokens = await redeem(h, { callback: new URL(page.url()), verifier, state })
    assert.equal(decodeJwt(tokens.access_token)['scope'], 'tools:read')

    await page.goto(`${h.issuer}/account`)
    await page.screenshot({ path: join(SHOTS, 'account.png'), fullPage: true })
    await page
      .getByRole('button', { name: /Revoke access of .*mcp-client/ })
      .first()
      .click()
    await page.waitForURL(`${h.issuer}/account`)
    assert.ok(h.audit.some((e) => e.type === 'consent.revoked'))
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
    await page.close()
  })

  void it('consent is remembered per user and client across browser sessions, until revoked', async () => {
    await h.server.users.add({ username: 'gina', password: PASSWORD })
    const signIn = async (page: Page) => {
      await page.getByLabel('Username').fill('gina')
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
    }
    const consentShown = async (page: Page) => {
      await Promise.race([
        page.getByRole('heading', { name: 'Allow access?' }).waitFor(),
        page.waitForURL(`${REDIRECT_URI}**`),
      ])
      return page.url().startsWith(h.issuer)
    }
    const newSession = async () => {
      await context.clearCookies()
      return context.newPage()
    }

    // First session: consent to tools:read only.
    let page = await newSession()
    await start(page, { scope: 'tools:read' })
    await signIn(page)
    assert.equal(await consentShown(page), true)
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${REDIRECT_URI}**`)
    await page.close()

    // Second session, same (narrower or equal) request: no consent page.
    page = await newSession()
    const again = await start(page, { scope: 'tools:read' })
    await signIn(page)
    assert.equal(await consentShown(page), false)
    const tokens = await redeem(h, {
      callback: new URL(page.url()),
      verifier: again.verifier,
      state: again.state,
    })
    assert.equal(decodeJwt(tokens.access_token)['scope'], 'tools:read')
    await page.close()

    // Third session, wider request: asked again, for the new scope only.
    page = await newSession()
    await start(page, { scope: 'tools:read tools:write' })
    await signIn(page)
    assert.equal(await consentShown(page), true)
    assert.equal(await page.getByLabel(/tools:read/).count(), 0)
    assert.equal(await page.getByLabel(/tools:write/).count(), 1)
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.waitForURL(`${REDIRECT_URI}**`)

    // The account page lists one grant for the client; revoking it revokes its tokens.
    await page.goto(`${h.issuer}/account`)
    const revoke = page.getByRole('button', { name: /Revoke access of .*mcp-client/ })
    assert.equal(await revoke.count(), 1)
    assert.match((await page.getByTestId('agent').textContent()) ?? '', /tools:read.*tools:write/)
    await page.screenshot({ path: join(SHOTS, 'account-remembered-grant.png'), fullPage: true })
    await revoke.click()
    await page.waitForURL(`${h.issuer}/account`)
    assert.equal(await revoke.count(), 0)
    const refresh = await tokenRequest(h, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: 'mcp-client',
    })
    assert.equal(refresh.body['error'], 'invalid_grant')
    await page.close()

    // After revocation a new session is asked again.
    page = await newSession()
    await start(page, { scope: 'tools:read' })
    await signIn(page)
    assert.equal(await consentShown(page), true)
    await page.close()
  })

  void it('TOTP enrolment and recovery codes when a client asks for acr_values=mfa', async () => {
    const browser = await context.browser()?.newContext()
    const page = browser === undefined ? await context.newPage() : await browser.newPage()
    await context.clearCookies()
    await start(page, { acr_values: 'mfa', scope: 'openid tools:read' })
    await page.getByLabel('Username').fill('frank')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Set up a second factor' }).waitFor()
    // The QR code is server-rendered inline SVG (no script) encoding the otpauth link, which
    // stays on the page with the secret as the fallback.
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' })
    assert.equal(await qr.isVisible(), true)
    const box = await qr.boundingBox()
    assert.ok(box !== null && box.width >= 150 && box.height >= 150)
    const otpauth =
      (await page.getByRole('link', { name: 'otpauth link' }).getAttribute('href')) ?? ''
    assert.match(otpauth, /^otpauth:\/\/totp\//)
    const expected = await qrCodeSvg(otpauth)
    assert.equal(
      await page.getByTestId('totp-qr').locator('svg path').count(),
      (expected.match(/<path /g) ?? []).length,
    )
    assert.equal(
      await page.getByTestId('totp-qr').locator('svg path').last().getAttribute('d'),
      / d="([^"]+)"\/>\s*<\/svg>/.exec(expected)?.[1],
    )
    const secret = (await page.getByTestId('totp-secret').textContent()) ?? ''
    assert.ok(otpauth.includes(`secret=${secret}`))
    await page.getByLabel('6-digit code').fill(totpAt(secret, currentStep()))
    await page.getByRole('button', { name: 'Confirm' }).click()
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor()
    await page.getByRole('button', { name: /continue/ }).click()
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor()
    await page.close()
  })

  void it('error page for an unknown client, and no redirect', async () => {
    const page = await context.newPage()
    const response = await page.goto(
      `${h.as.authorization_endpoint ?? ''}?client_id=nobody&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F`,
    )
    assert.equal(response?.status(), 400)
    assert.equal(new URL(page.url()).origin, h.issuer)
    await page.screenshot({ path: join(SHOTS, 'error.png'), fullPage: true })
    await page.close()
  })

  void it('catalogue #16: another origin cannot frame the pages', async () => {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${String((framer.address() as AddressInfo).port)}/`)
    const frame = page.frames().find((f) => f.url().startsWith(h.issuer))
    const framed = frame === undefined ? '' : await frame.content().catch(() => '')
    assert.doesNotMatch(framed, /Something went wrong|Sign in/)
    await page.close()
  })
})
