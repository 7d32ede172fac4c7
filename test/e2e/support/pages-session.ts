// `mandate serve` (SQLite, demo on) with users made by the CLI, its database opened beside it,
// and Chromium contexts with and without JavaScript: for the browser tests of the pages' actions.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import { createPendingLink } from '../../../packages/server/src/linking/lib/pending-links.ts'
import { CHROMIUM, CHROMIUM_ARGS } from '../../support/browser.ts'
import { runCli } from '../../support/cli.ts'
import { checkAccessibility, checkStructure, screenshots } from '../../support/page-checks.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './mandate-e2e.ts'
import type { MandateProcess } from './mandate-e2e.ts'

/** The running product and the helpers the tests drive it with. */
export interface PagesSession {
  serve: MandateProcess
  store: Store
  dataDir: string[]
  url(path: string): string
  subOf(name: string): Promise<string>
  /** A pending link to Demo Calendar for `name`, as the demo tool makes one. */
  pendingLink(name: string): Promise<{ id: string }>
  newContext(js: boolean): Promise<BrowserContext>
  /** Signs in (password, then `code` for a user with a second factor) and lands on `path`. */
  signIn(page: Page, user: string, path: string, code?: string): Promise<void>
  /** Structure checks; axe-core with JavaScript, screenshots without. */
  check(page: Page, name: string, js: boolean): Promise<void>
  /** A hidden field of the first form posting to `action` on the page. */
  field(page: Page, action: string, name: string): Promise<string>
  close(): Promise<void>
}

/** Starts it: `users` added, `operators` granted the operator role, `setup` run before serve. */
export async function startPagesSession(options: {
  prefix: string
  shots: string
  users: string[]
  operators?: string[]
  setup?: (dir: string, dataDir: string[]) => Promise<void>
  /** More `mandate serve` arguments (e.g. `--config` of a file `setup` wrote). */
  serveArgs?: (dir: string) => string[]
}): Promise<PagesSession> {
  const dir = tempDir(options.prefix)
  const dataDir = ['--data-dir', dir.path]
  await addUsers(dataDir, options.users)
  for (const name of options.operators ?? []) {
    const granted = await runCli(['users', 'grant-role', name, 'operator', ...dataDir])
    assert.equal(granted.code, 0, granted.stderr)
  }
  await options.setup?.(dir.path, dataDir)
  const serve = await startServe([...dataDir, ...(options.serveArgs?.(dir.path) ?? [])])
  const store = await openStore(
    { kind: 'sqlite', filename: join(dir.path, 'mandate.db') },
    { migrate: false },
  )
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  })
  const contexts: BrowserContext[] = []
  const url = (path: string) => new URL(path, serve.url).href
  const subOf = async (name: string) =>
    (
      await store.db
        .selectFrom('as_users')
        .select('id')
        .where('username', '=', name)
        .executeTakeFirstOrThrow()
    ).id
  return {
    serve,
    store,
    dataDir,
    url,
    subOf,
    pendingLink: async (name) =>
      createPendingLink(store, {
        sub: await subOf(name),
        clientId: 'e2e',
        provider: 'demo-calendar',
        scopes: ['calendar.read'],
        ttlMs: 600_000,
        now: Date.now(),
      }),
    newContext: async (js) => {
      const context = await browser.newContext({ javaScriptEnabled: js, bypassCSP: js })
      contexts.push(context)
      return context
    },
    signIn: async (page, user, path, code) => {
      await page.goto(url(path))
      await page.getByLabel('Username').fill(user)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      if (code !== undefined) {
        await page.getByLabel(/6-digit code/).fill(code)
        await page.getByRole('button', { name: 'Verify' }).click()
      }
      await page.waitForURL(`**${path}`)
    },
    check: async (page, name, js) => {
      await checkStructure(page, name)
      if (js) await checkAccessibility(page, name)
      else await screenshots(page, options.shots, name)
    },
    field: async (page, action, name) =>
      (await page
        .locator(`form[action="${action}"] input[name="${name}"]`)
        .first()
        .getAttribute('value')) ?? '',
    close: async () => {
      for (const context of contexts) await context.close()
      await browser.close()
      await store.close()
      await serve.stop()
      dir.remove()
    },
  }
}
