// The pages of the real product (issue 16): `mandate serve` (SQLite, demo on), a person and an
// operator made with the CLI (`mandate users add`, `mandate users grant-role … operator`), and
// Chromium with JavaScript off and on. The landing page, the linked-accounts page and a connect
// message page pass the design checks (test/support/page-checks.ts) and link to each other;
// an operator without a second factor is sent to enrol. Screenshots under test-results/e2e-pages/.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { openStore } from '@mandate/store'
import { runCli } from '../support/cli.ts'
import { createPendingLink } from '../../packages/server/src/linking/lib/pending-links.ts'
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts'
import {
  assertStyled,
  checkAccessibility,
  checkStructure,
  screenshots,
} from '../support/page-checks.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, chromiumSkip, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'

const SHOTS = join(process.cwd(), 'test-results', 'e2e-pages')

void describe(
  'mandate serve: the pages of every package in one design',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-pages-')
    const dataDir = ['--data-dir', dir.path]
    let serve: MandateProcess
    let browser: Browser

    before(async () => {
      await addUsers(dataDir, ['alice', 'olga'])
      const granted = await runCli(['users', 'grant-role', 'olga', 'operator', ...dataDir])
      assert.equal(granted.code, 0, granted.stderr)
      assert.match(granted.stdout, /granted role operator to olga/)
      const unknown = await runCli(['users', 'grant-role', 'olga', 'root', ...dataDir])
      assert.notEqual(unknown.code, 0)
      serve = await startServe(dataDir)
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      })
    })
    after(async () => {
      await browser.close()
      await serve.stop()
      dir.remove()
    })

    /** Writes a pending link into the server's database, as the demo tool would. */
    const pendingLink = async (username: string): Promise<string> => {
      const store = await openStore(
        { kind: 'sqlite', filename: join(dir.path, 'mandate.db') },
        { migrate: false },
      )
      try {
        const user = await store.db
          .selectFrom('as_users')
          .select('id')
          .where('username', '=', username)
          .executeTakeFirstOrThrow()
        const now = Date.now()
        const link = await createPendingLink(store, {
          sub: user.id,
          clientId: 'e2e',
          provider: 'demo-calendar',
          scopes: ['calendar.read'],
          ttlMs: 600_000,
          now,
        })
        return link.id
      } finally {
        await store.close()
      }
    }

    const signIn = async (page: Page, user: string, path: string) => {
      await page.goto(new URL(path, serve.url).href)
      await page.getByLabel('Username').fill(user)
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.waitForURL(`**${path}`)
    }

    for (const js of [false, true]) {
      void it(`landing, linked accounts, connect message (JavaScript ${js ? 'on' : 'off'})`, async (t) => {
        const context = await browser.newContext({ javaScriptEnabled: js, bypassCSP: js })
        t.after(() => context.close())
        const page = await context.newPage()
        const visit = async (name: string) => {
          await checkStructure(page, name)
          await assertStyled(page, name)
          if (js) await checkAccessibility(page, name)
          else await screenshots(page, SHOTS, name)
        }
        await page.goto(serve.url.href)
        await page.getByRole('heading', { name: 'Mandate' }).waitFor()
        await visit('landing')

        await signIn(page, 'alice', '/connect/accounts')
        await page.getByRole('heading', { name: 'Linked accounts' }).waitFor()
        assert.equal(await page.getByRole('link', { name: 'Your account' }).count(), 2)
        assert.equal(await page.getByRole('link', { name: 'Sign out' }).count(), 1)
        await visit('linked-accounts')

        // A pending link for alice (as a tool asking for Demo Calendar makes one): the confirm page.
        const link = await pendingLink('alice')
        await page.goto(new URL(`/connect/${link}`, serve.url).href)
        await page.getByRole('heading', { name: 'Connect Demo Calendar' }).waitFor()
        await visit('connect-confirm')
        await page.getByRole('button', { name: 'Cancel' }).click()
        await page.getByRole('heading', { name: 'Cancelled' }).waitFor()
        await visit('connect-cancelled')

        await page.goto(new URL(`/connect/${'A'.repeat(43)}`, serve.url).href)
        await page.getByRole('heading', { name: 'Link not found' }).waitFor()
        await visit('connect-not-found')

        // The account page links back to the linked accounts (each links to the other).
        await page.goto(new URL('/account', serve.url).href)
        // The vault's list, from \`mandate serve\`: alice linked nothing yet.
        assert.match(
          await page.locator('main').innerText(),
          /Linked accounts\s+.*\s+No linked accounts\./,
        )
        await page.getByRole('link', { name: 'Manage linked accounts' }).click()
        await page.getByRole('heading', { name: 'Linked accounts' }).waitFor()
      })
    }

    void it('an operator made with the CLI, without a second factor, is sent to enrol', async (t) => {
      const context = await browser.newContext({ javaScriptEnabled: false })
      t.after(() => context.close())
      const page = await context.newPage()
      await signIn(page, 'olga', '/account')
      assert.equal(await page.getByRole('link', { name: 'Operator console' }).count(), 1)
      await page.getByRole('link', { name: 'Operator console' }).click()
      await page.waitForURL(/\/account\?need=mfa$/)
      assert.match(await page.getByRole('status').innerText(), /needs a second factor/)
      await page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor()
    })
  },
)
