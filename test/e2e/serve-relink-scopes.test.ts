// Relink with other scopes (issue 16), through `mandate serve` (SQLite, demo on) and Chromium:
// on /connect/accounts a person chooses which granted scopes to keep, the Demo Calendar (a real
// oidc-provider) is asked for those only, and the vault replaces the same record with what it
// granted. Refusals beside the positive controls: no CSRF token, another user's account, a scope
// the account was never granted. axe-core with JavaScript on; screenshots without.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { chromiumSkip } from './support/mandate-e2e.ts'
import { startPagesSession } from './support/pages-session.ts'
import type { PagesSession } from './support/pages-session.ts'

const SHOTS = join(process.cwd(), 'test-results', 'e2e-relink-scopes')
const CHANGE = /^Change scopes of Demo Calendar account /

void describe('mandate serve: relink with other scopes', { skip: chromiumSkip }, () => {
  let s: PagesSession
  before(async () => {
    s = await startPagesSession({
      prefix: 'mandate-e2e-relink-scopes-',
      shots: SHOTS,
      users: ['alice', 'bob'],
    })
  })
  after(async () => {
    await s.close()
  })

  const stored = async (name: string) =>
    s.store.db
      .selectFrom('vault_credentials')
      .select(['id', 'scopes', 'version'])
      .where('sub', '=', await s.subOf(name))
      .where('provider', '=', 'demo-calendar')
      .execute()
  /** At the Demo Calendar: the scope it was asked for, then allow and back to "Connected". */
  const allowAtDemoCalendar = async (page: Page): Promise<string> => {
    await page.getByRole('heading', { name: 'Demo Calendar' }).waitFor()
    const asked = (await page.locator('code').first().textContent()) ?? ''
    await page.click('button[value=allow]')
    await page.getByRole('heading', { name: 'Connected', exact: true }).waitFor()
    return asked
  }
  const linkDemoCalendar = async (page: Page, name: string) => {
    const link = await s.pendingLink(name)
    await page.goto(s.url(`/connect/${link.id}`))
    await page.getByRole('heading', { name: 'Connect Demo Calendar' }).waitFor()
    await page.click('button[value=allow]')
    await allowAtDemoCalendar(page)
  }

  void it('with JavaScript: the choice page passes axe-core; keeping every scope relinks', async () => {
    const page = await (await s.newContext(true)).newPage()
    await s.signIn(page, 'alice', '/connect/accounts')
    await linkDemoCalendar(page, 'alice')
    const [before] = await stored('alice')
    assert.ok(before !== undefined)
    assert.match(before.scopes, /calendar\.read/)
    await page.goto(s.url('/connect/accounts'))
    await s.check(page, 'linked-accounts-change-scopes', true)
    await page.getByRole('button', { name: CHANGE }).click()
    await page.getByTestId('relink-scopes').waitFor()
    assert.equal(await page.getByLabel('calendar.read').isChecked(), true)
    await s.check(page, 'relink-choose-scopes', true)
    await page.getByRole('button', { name: 'Relink with these scopes' }).click()
    assert.match(await allowAtDemoCalendar(page), /calendar\.read/)
    const [after] = await stored('alice')
    assert.ok(after !== undefined)
    assert.equal(after.id, before.id)
    assert.match(after.scopes, /calendar\.read/)
    assert.ok(after.version > before.version)
  })

  void it('without JavaScript: a scope dropped is not asked for and leaves the record; refusals', async () => {
    const context = await s.newContext(false)
    const page = await context.newPage()
    await s.signIn(page, 'alice', '/connect/accounts')
    const [before] = await stored('alice')
    assert.ok(before !== undefined)
    const csrf = await s.field(page, '/connect/accounts/relink', 'csrf')
    await page.getByRole('button', { name: CHANGE }).click()
    await page.getByTestId('relink-scopes').waitFor()
    await s.check(page, 'relink-choose-scopes', false)

    // CSRF: without the token, nothing is shown or started.
    const noToken = await context.request.post(s.url('/connect/accounts/relink'), {
      form: { id: before.id, choose: '1' },
      maxRedirects: 0,
    })
    assert.equal(noToken.status(), 403)
    // A scope the account was never granted cannot be chosen, even with a valid token.
    const forged = await context.request.post(s.url('/connect/accounts/relink'), {
      form: { csrf, id: before.id, scopes_chosen: '1', scope: 'calendar.write' },
      maxRedirects: 0,
    })
    assert.equal(forged.status(), 400)
    // Another user, with their own valid token, cannot relink alice's account.
    const bob = await s.newContext(false)
    const bobPage = await bob.newPage()
    await s.signIn(bobPage, 'bob', '/connect/accounts')
    await linkDemoCalendar(bobPage, 'bob')
    await bobPage.goto(s.url('/connect/accounts'))
    const bobCsrf = await s.field(bobPage, '/connect/accounts/relink', 'csrf')
    const foreign = await bob.request.post(s.url('/connect/accounts/relink'), {
      form: { csrf: bobCsrf, id: before.id, scopes_chosen: '1' },
      maxRedirects: 0,
    })
    assert.equal(foreign.status(), 404)

    // Positive control: untick calendar.read; the Demo Calendar is asked without it, and the
    // same record now holds what it granted.
    await page.getByLabel('calendar.read').uncheck()
    await page.getByRole('button', { name: 'Relink with these scopes' }).click()
    assert.doesNotMatch(await allowAtDemoCalendar(page), /calendar\.read/)
    const [after] = await stored('alice')
    assert.ok(after !== undefined)
    assert.equal(after.id, before.id)
    assert.doesNotMatch(after.scopes, /calendar\.read/)
    assert.ok(after.version > before.version)
    // Nothing left to choose: only the plain relink is offered.
    await page.goto(s.url('/connect/accounts'))
    assert.equal(await page.getByRole('button', { name: CHANGE }).count(), 0)
    const audited = await s.store.db
      .selectFrom('audit_events')
      .select(['sub', 'scope_requested'])
      .where('type', '=', 'linking.relink_started')
      .execute()
    const alice = await s.subOf('alice')
    assert.ok(audited.some((e) => e.sub === alice && e.scope_requested === 'calendar.read'))
    assert.ok(audited.some((e) => e.sub === alice && (e.scope_requested ?? '') === ''))
  })
})
