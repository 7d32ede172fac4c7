// The people's actions added to the account pages (issue 16), through `mandate serve` (SQLite,
// demo on) and Chromium without JavaScript: pending approvals on /account (open, cancel) and
// relink of a linked account at the Demo Calendar (a real oidc-provider), which replaces the
// stored credential. Refusals beside their positive controls: another user, a missing or
// foreign CSRF token. axe-core with JavaScript on; screenshots under test-results/.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { hashLinkId } from '../../packages/server/src/linking/lib/pending-links.ts'
import { chromiumSkip } from './support/mandate-e2e.ts'
import { startPagesSession } from './support/pages-session.ts'
import type { PagesSession } from './support/pages-session.ts'

const SHOTS = join(process.cwd(), 'test-results', 'e2e-pages-actions')

void describe('mandate serve: pending approvals and relink', { skip: chromiumSkip }, () => {
  let s: PagesSession
  before(async () => {
    s = await startPagesSession({
      prefix: 'mandate-e2e-relink-',
      shots: SHOTS,
      users: ['alice', 'bob'],
    })
  })
  after(async () => {
    await s.close()
  })

  const credential = (sub: string) =>
    s.store.db
      .selectFrom('vault_credentials')
      .select(['id', 'secret', 'status', 'version'])
      .where('sub', '=', sub)
      .where('provider', '=', 'demo-calendar')
      .execute()
  const linkStatus = async (idHash: string) =>
    (
      await s.store.db
        .selectFrom('server_pending_links')
        .select('status')
        .where('id_hash', '=', idHash)
        .executeTakeFirst()
    )?.status
  /** At the Demo Calendar (the demo's real oidc-provider): allow, back to "Connected". */
  const allowAtDemoCalendar = async (page: Page) => {
    await page.getByRole('heading', { name: 'Demo Calendar' }).waitFor()
    await page.click('button[value=allow]')
    await page.getByRole('heading', { name: 'Connected', exact: true }).waitFor()
  }

  let aliceCsrf = ''
  let aliceCredential = ''

  void it('pending approvals on /account: open links the account, cancel ends a request', async () => {
    const page = await (await s.newContext(false)).newPage()
    const links = [await s.pendingLink('alice'), await s.pendingLink('alice')]
    await s.signIn(page, 'alice', '/account')
    assert.equal(await page.getByTestId('pending').locator('tbody tr').count(), 2)
    await s.check(page, 'account-pending', false)
    // Cancel the newer one (listed first), from /account, back to /account.
    await page
      .getByRole('button', { name: 'Cancel the request to connect Demo Calendar' })
      .first()
      .click()
    await page.waitForURL(s.url('/account'))
    assert.equal(await page.getByTestId('pending').locator('tbody tr').count(), 1)
    const statuses = await Promise.all(links.map((l) => linkStatus(hashLinkId(l.id))))
    assert.deepEqual([...statuses].sort(), ['cancelled', 'pending'])
    // The cancelled link's own URL no longer confirms anything; the other one still does.
    for (const [i, link] of links.entries()) {
      const opened = await page.goto(s.url(`/connect/${link.id}`))
      assert.equal(opened?.status(), statuses[i] === 'cancelled' ? 410 : 200)
    }
    // Open the remaining one: its confirmation page, then the Demo Calendar.
    await page.goto(s.url('/account'))
    await page.getByRole('button', { name: 'Open the request to connect Demo Calendar' }).click()
    await page.getByRole('heading', { name: 'Connect Demo Calendar' }).waitFor()
    await page.click('button[value=allow]')
    await allowAtDemoCalendar(page)
    const [stored] = await credential(await s.subOf('alice'))
    assert.ok(stored)
    aliceCredential = stored.id
    await page.goto(s.url('/account'))
    assert.match(await page.getByTestId('linked').innerText(), /Demo Calendar/)
    assert.equal(await page.getByTestId('pending').count(), 0)
    aliceCsrf = await s.field(page, '/connect/accounts/relink', 'csrf')
    assert.notEqual(aliceCsrf, '')
  })

  void it('relink replaces the stored credential (needs_reauth → active); refusals', async () => {
    const alice = await s.subOf('alice')
    await s.store.db
      .updateTable('vault_credentials')
      .set({ status: 'needs_reauth' })
      .where('id', '=', aliceCredential)
      .execute()
    const [old] = await credential(alice)
    const context = await s.newContext(false)
    const page = await context.newPage()
    await s.signIn(page, 'alice', '/connect/accounts')
    assert.match(await page.getByTestId('linked').innerText(), /needs to be connected again/)
    await s.check(page, 'linked-accounts-relink', false)

    // CSRF: without a token, or with a made-up one, nothing starts.
    for (const csrf of [undefined, 'A'.repeat(43)]) {
      const refused = await context.request.post(s.url('/connect/accounts/relink'), {
        form: { ...(csrf === undefined ? {} : { csrf }), id: aliceCredential },
        maxRedirects: 0,
      })
      assert.equal(refused.status(), 403)
    }
    // Another user, with their own valid token, cannot relink alice's account.
    const bobContext = await s.newContext(false)
    const bobPage = await bobContext.newPage()
    await s.pendingLink('bob')
    await s.signIn(bobPage, 'bob', '/connect/accounts')
    const bobCsrf = await s.field(bobPage, '/connect/accounts/pending/cancel', 'csrf')
    assert.notEqual(bobCsrf, '')
    const foreign = await bobContext.request.post(s.url('/connect/accounts/relink'), {
      form: { csrf: bobCsrf, id: aliceCredential },
      maxRedirects: 0,
    })
    assert.equal(foreign.status(), 404)
    // ...nor cancel alice's request, nor use alice's token.
    const aliceLink = await s.pendingLink('alice')
    const aliceHash = (
      await s.store.db
        .selectFrom('server_pending_links')
        .select('id_hash')
        .where('sub', '=', alice)
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow()
    ).id_hash
    const cancelForeign = await bobContext.request.post(s.url('/connect/accounts/pending/cancel'), {
      form: { csrf: bobCsrf, link: aliceHash },
      maxRedirects: 0,
    })
    assert.equal(cancelForeign.status(), 404)
    assert.equal(await linkStatus(aliceHash), 'pending')
    const stolenToken = await bobContext.request.post(s.url('/connect/accounts/relink'), {
      form: { csrf: aliceCsrf, id: aliceCredential },
      maxRedirects: 0,
    })
    assert.equal(stolenToken.status(), 403)
    assert.equal(await page.goto(s.url(`/connect/${aliceLink.id}`)).then((r) => r?.status()), 200)

    // Positive control: alice relinks from /account; the same record gets new tokens.
    await page.goto(s.url('/account'))
    await page.getByRole('button', { name: /^Relink Demo Calendar account / }).click()
    await allowAtDemoCalendar(page)
    const renewed = await credential(alice)
    assert.equal(renewed.length, 1)
    assert.ok(old !== undefined && renewed[0] !== undefined)
    assert.equal(renewed[0].id, old.id)
    assert.equal(renewed[0].status, 'active')
    assert.ok(renewed[0].version > old.version)
    assert.notEqual(renewed[0].secret, old.secret)
    const audited = await s.store.db
      .selectFrom('audit_events')
      .select(['type', 'sub'])
      .where('type', 'in', ['linking.relink_started', 'linking.request_cancelled'])
      .execute()
    assert.ok(audited.some((e) => e.type === 'linking.relink_started' && e.sub === alice))
    assert.ok(audited.some((e) => e.type === 'linking.request_cancelled' && e.sub === alice))
  })

  void it('the pages with pending approvals and relink pass axe-core', async () => {
    const page = await (await s.newContext(true)).newPage()
    await s.pendingLink('alice')
    await s.signIn(page, 'alice', '/account')
    await page.getByTestId('pending').waitFor()
    await s.check(page, 'account-pending-relink', true)
    await page.goto(s.url('/connect/accounts'))
    await page.getByTestId('pending').waitFor()
    await s.check(page, 'linked-accounts-relink', true)
  })
})
