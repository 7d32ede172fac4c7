// A running authorization server with people and an operator, and Chromium contexts with and
// without JavaScript, for the design-system and operator-console browser tests (issue 16).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import * as oauth from 'oauth4webapi'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../../test/support/stores.ts'
import { CHROMIUM, CHROMIUM_ARGS } from '../../../../test/support/browser.ts'
import { PASSWORD, REDIRECT_URI, RESOURCE, startServer } from './harness.ts'
import type { Harness } from './harness.ts'
import { currentStep, totpAt } from '../../src/mfa/totp.ts'
import { grantUserRole } from '../../src/users/user-roles.ts'

export interface PagesEnv {
  h: Harness
  store: Store
  browser: Browser
  /** Recovery codes of each user with a second factor (each signs in once). */
  recovery: Map<string, string[]>
  context(js: boolean): Promise<BrowserContext>
  close(): Promise<void>
}

/** Operator `olga` (second factor), operator `oscar` (none), people `alice`, `nick`. */
export async function startPagesEnv(shots: string): Promise<PagesEnv> {
  mkdirSync(shots, { recursive: true })
  const backend = sqliteBackend()
  const store = await backend.open({ migrate: true })
  const h = await startServer(store, {
    scopeDescriptions: { 'tools:read': 'Use your tools' },
    // What `mandate serve` passes from the vault: alice has one linked account.
    linkedAccounts: (sub) =>
      h.server.users.get(sub).then((user) =>
        user?.username === 'alice'
          ? [
              {
                provider: 'GitHub',
                account: 'alice-gh',
                scopes: ['read:user'],
                lastUsedAt: Date.now() - 7_200_000,
                needsReauth: false,
              },
            ]
          : [],
      ),
  })
  const recovery = new Map<string, string[]>()
  for (const name of ['olga', 'oscar', 'nick', 'nora']) {
    const user = await h.server.users.add({ username: name, password: PASSWORD })
    if (name === 'olga' || name === 'nora') {
      const secret = await h.server.users.beginTotp(user.id)
      recovery.set(
        name,
        (await h.server.users.confirmTotp(user.id, totpAt(secret, currentStep()))) ?? [],
      )
    }
  }
  await grantUserRole(store, 'olga', 'operator')
  await grantUserRole(store, 'oscar', 'operator')
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  })
  const contexts: BrowserContext[] = []
  return {
    h,
    store,
    browser,
    recovery,
    context: async (js) => {
      // With JavaScript, axe-core is injected as an inline script: that context bypasses the CSP
      // (the CSP itself is checked on every page by its header and markup).
      const context = await browser.newContext({ javaScriptEnabled: js, bypassCSP: js })
      await context.route(`${REDIRECT_URI}**`, (route) =>
        route.fulfill({ status: 200, contentType: 'text/plain', body: 'callback reached' }),
      )
      contexts.push(context)
      return context
    },
    close: async () => {
      for (const context of contexts) await context.close()
      await browser.close()
      await h.close()
      await store.close()
      await backend.cleanup()
    },
  }
}

/** Signs in at /account as `username` (password, then a recovery code if enrolled). */
export async function signIn(
  env: PagesEnv,
  page: Page,
  username: string,
  path = '/account',
): Promise<void> {
  await page.goto(`${env.h.issuer}${path}`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  const codes = env.recovery.get(username)
  if (codes !== undefined) {
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor()
    await page.getByLabel(/6-digit code/).fill(codes.shift() ?? '')
    await page.getByRole('button', { name: 'Verify' }).click()
  }
  await page.waitForURL(`${env.h.issuer}${path}**`)
}

/** Opens an authorization request of the test client (the consent page once signed in). */
export async function authorizationRequest(env: PagesEnv, page: Page): Promise<void> {
  const url = new URL(env.h.as.authorization_endpoint ?? '')
  url.search = new URLSearchParams({
    client_id: 'mcp-client',
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'tools:read tools:write',
    resource: RESOURCE,
    state: oauth.generateRandomState(),
    code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
    code_challenge_method: 'S256',
  }).toString()
  await page.goto(url.href)
}

/** The operator console's sections (`/admin/<section>`). */
export const ADMIN_PAGES = ['users', 'clients', 'grants', 'providers', 'audit', 'health'] as const

export const shotsDir = (name: string): string => join(process.cwd(), 'test-results', name)
