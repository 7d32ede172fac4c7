// Operator actions audited as typed events whichever the door (issues 12 and 14), through
// `mandate serve` and Chromium without JavaScript: each console action is the event type the
// `mandate` CLI records (`user.*`, `client.*`, `grant.revoked`), with `actor: console` and the
// operator as `sub`, listed by `mandate audit list --type …`; where it revokes, the affected
// token is refused on the next POST /mcp while another user's is served. A non-operator's
// attempt changes nothing and is audited as refused (`admin.action`, denied), beside the
// operator's same request that works; a signed-out one is sent to sign in, not recorded.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { currentStep, totpAt } from '../../packages/authorization-server/src/mfa/totp.ts'
import { runCli } from '../support/cli.ts'
import { chromiumSkip } from './support/mandate-e2e.ts'
import { startPagesSession } from './support/pages-session.ts'
import type { PagesSession } from './support/pages-session.ts'
import type { Endpoint, Session } from './support/revocation-e2e.ts'
import { assertRefused, callMcp, discover, signIn, untilRefused } from './support/revocation-e2e.ts'

const SHOTS = join(process.cwd(), 'test-results', 'e2e-console-audit')
const NEW_PASSWORD = 'zoe console password 0123'

/** A row of `mandate audit list --json`: the columns the assertions read. */
interface Listed {
  type: string
  outcome: string
  sub: string | null
  user_name: string | null
  client_id: string | null
  detail: Record<string, unknown>
}

void describe(
  'operator actions: one typed audit event whichever the door',
  { skip: chromiumSkip },
  () => {
    let s: PagesSession
    let endpoint: Endpoint
    let olga: BrowserContext
    let page: Page
    let olgaId: string

    before(async () => {
      s = await startPagesSession({
        prefix: 'mandate-e2e-console-audit-',
        shots: SHOTS,
        users: ['olga', 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'nick'],
        operators: ['olga'],
      })
      endpoint = await discover(s.serve.url.origin)
      olgaId = await s.subOf('olga')
      // olga enrols a second factor, then signs in to the console with it.
      const enrol = await (await s.newContext(false)).newPage()
      await s.signIn(enrol, 'olga', '/account')
      await enrol.getByRole('button', { name: 'Set up an authenticator app' }).click()
      const secret = (await enrol.getByTestId('totp-secret').textContent()) ?? ''
      await enrol.getByLabel('6-digit code').fill(totpAt(secret, currentStep()))
      await enrol.getByRole('button', { name: 'Confirm' }).click()
      const codes = await enrol.getByTestId('recovery-codes').locator('code').allTextContents()
      olga = await s.newContext(false)
      page = await olga.newPage()
      await s.signIn(page, 'olga', '/admin/users', codes[0])
    })
    after(async () => {
      await s.close()
    })

    const cli = async (args: string[]): Promise<string> => {
      const result = await runCli([...args, ...s.dataDir])
      assert.equal(result.code, 0, result.stderr)
      return result.stdout
    }
    /** `mandate audit list --type <type> --json`, oldest first. */
    const listed = async (type: string): Promise<Listed[]> =>
      (await cli(['audit', 'list', '--type', type, '--json']))
        .split('\n')
        .filter((row) => row !== '')
        .map((line) => {
          // `mandate serve` adds its issuer to the events it emits (the CLI does not): not compared.
          const row = JSON.parse(line) as Listed
          const { issuer: _issuer, ...detail } = row.detail
          return { ...row, detail }
        })
    /** Lists until `count` events of `type` are stored (serve writes in batches; a hang guard). */
    const untilListed = async (type: string, count: number): Promise<Listed[]> => {
      const deadline = Date.now() + 60_000
      for (;;) {
        const rows = await listed(type)
        if (rows.length >= count || Date.now() > deadline) return rows
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    /** The one stored event of `type` about `what`, attributed to olga in the console. */
    const byConsole = async (type: string, what: (row: Listed) => boolean): Promise<Listed> => {
      const rows = (await untilListed(type, 1)).filter(what)
      assert.equal(rows.length, 1, type)
      const [row] = rows
      assert.ok(row)
      assert.equal(row.outcome, 'success', type)
      assert.equal(row.sub, olgaId, type)
      assert.equal(row.user_name, 'olga', type)
      assert.equal(row.detail['actor'], 'console', type)
      return row
    }
    const done = () => page.getByRole('status').waitFor()
    const served = async (session: Session): Promise<void> => {
      assert.equal((await callMcp(s.serve.mcpUrl, session.access)).status, 200)
    }
    const refused = async (session: Session): Promise<void> => {
      assertRefused(await callMcp(s.serve.mcpUrl, session.access))
    }

    void it('users: create, disable, enable, reset second factor are user.* events; the revoking ones refuse the token', async () => {
      const alice = await signIn(endpoint, 'alice', s.serve.mcpUrl)
      const carol = await signIn(endpoint, 'carol', s.serve.mcpUrl)
      const bob = await signIn(endpoint, 'bob', s.serve.mcpUrl)
      await served(alice)
      await served(carol)

      await page.goto(s.url('/admin/users'))
      await page.getByRole('button', { name: 'Disable alice' }).click()
      await done()
      await refused(alice)
      await served(bob)
      // Enabling again revokes nothing and restores nothing: the old token stays refused.
      await page.getByRole('button', { name: 'Enable alice' }).click()
      await done()
      await refused(alice)
      // carol has no second factor, so the page shows no button: the same POST by HTTP.
      const csrf = await s.field(page, '/admin/users/disable', 'csrf')
      const reset = await olga.request.post(s.url('/admin/users/reset-mfa'), {
        form: { csrf, username: 'carol' },
        maxRedirects: 0,
      })
      assert.equal(reset.status(), 303)
      await refused(carol)
      await served(bob)
      await page.goto(s.url('/admin/users'))
      await page.getByLabel('Username').fill('zoe')
      await page.getByLabel(/^Password/).fill(NEW_PASSWORD)
      await page.getByRole('button', { name: 'Create user' }).click()
      await done()

      const aliceId = await s.subOf('alice')
      for (const [type, name, id] of [
        ['user.disabled', 'alice', aliceId],
        ['user.enabled', 'alice', aliceId],
        ['user.mfa_reset', 'carol', await s.subOf('carol')],
        ['user.added', 'zoe', await s.subOf('zoe')],
      ] as const) {
        const row = await byConsole(type, (r) => r.detail['username'] === name)
        assert.deepEqual(row.detail, { actor: 'console', user_id: id, username: name }, type)
      }
      // One event per change: no `admin.action` beside the typed ones, and never the password.
      assert.deepEqual(await listed('admin.action'), [])
      assert.doesNotMatch(
        await cli(['audit', 'export', '--format', 'jsonl']),
        new RegExp(NEW_PASSWORD),
      )
    })

    void it('clients: disable, enable, delete are client.* events; disable refuses the client’s token', async () => {
      const dave = await signIn(endpoint, 'dave', s.serve.mcpUrl)
      const erin = await signIn(endpoint, 'erin', s.serve.mcpUrl)
      await served(dave)
      await page.goto(s.url('/admin/clients'))
      await page.getByRole('button', { name: `Disable client ${dave.clientId}` }).click()
      await done()
      await refused(dave)
      await served(erin)
      await page.getByRole('button', { name: `Enable client ${dave.clientId}` }).click()
      await done()
      await refused(dave)
      await page.getByRole('button', { name: `Delete client ${dave.clientId}` }).click()
      await done()
      await served(erin)

      const ofDave = (r: Listed) => r.client_id === dave.clientId
      const disabled = await byConsole('client.disabled', ofDave)
      assert.deepEqual(disabled.detail, { actor: 'console', grants_ended: 1 })
      const enabled = await byConsole('client.enabled', ofDave)
      assert.deepEqual(enabled.detail, { actor: 'console' })
      const deleted = await byConsole('client.deleted', ofDave)
      assert.deepEqual(deleted.detail, { actor: 'console', grants_ended: 0 })
    })

    void it('grants: the console’s Revoke and `mandate grants revoke` are both grant.revoked, the token refused', async () => {
      const erin = await signIn(endpoint, 'erin', s.serve.mcpUrl)
      const frank = await signIn(endpoint, 'frank', s.serve.mcpUrl)
      const bob = await signIn(endpoint, 'bob', s.serve.mcpUrl)
      await served(erin)
      // erin's grant of this client only (erin's other client keeps its own).
      await page.goto(s.url(`/admin/grants?user=erin&client=${encodeURIComponent(erin.clientId)}`))
      const erinGrant = await s.field(page, '/admin/grants/revoke', 'grant')
      assert.notEqual(erinGrant, '')
      await page.getByRole('button', { name: /Revoke grant of .* for erin/ }).click()
      await done()
      await refused(erin)
      await served(frank)
      const byOlga = await byConsole('grant.revoked', (r) => r.client_id === erin.clientId)
      assert.deepEqual(byOlga.detail, {
        actor: 'console',
        user_id: await s.subOf('erin'),
        grant_id: erinGrant,
      })

      // The CLI door: the same event type, `actor: cli` (another process: the log is polled).
      const frankGrant = (await cli(['grants', 'list', 'frank'])).split(/\s/)[0] ?? ''
      assert.notEqual(frankGrant, '')
      assert.match(await cli(['grants', 'revoke', frankGrant]), /revoked grant/)
      assertRefused(await untilRefused(s.serve.mcpUrl, frank.access))
      await served(bob)
      const byCli = (await listed('grant.revoked')).filter((r) => r.client_id === frank.clientId)
      const [cliRow, ...more] = byCli
      assert.equal(more.length, 0)
      assert.ok(cliRow)
      assert.equal(cliRow.sub, null)
      assert.deepEqual(cliRow.detail, {
        actor: 'cli',
        user_id: await s.subOf('frank'),
        grant_id: frankGrant,
      })
      // `mandate audit list --type grant.` finds both doors.
      assert.equal((await listed('grant.')).length, 2)
    })

    void it('a non-operator’s action is refused and audited as refused; the operator’s same request works', async () => {
      const gina = await signIn(endpoint, 'gina', s.serve.mcpUrl)
      await page.goto(s.url('/admin/users'))
      const csrf = await s.field(page, '/admin/users/disable', 'csrf')
      const nick = await s.newContext(false)
      await s.signIn(await nick.newPage(), 'nick', '/account')
      const attempt = await nick.request.post(s.url('/admin/users/disable'), {
        form: { csrf, username: 'gina' },
        maxRedirects: 0,
      })
      assert.equal(attempt.status(), 403)
      // Signed out: sent to sign in, nothing changed, nothing recorded.
      const anonymous = await s.newContext(false)
      const signedOut = await anonymous.request.post(s.url('/admin/users/disable'), {
        form: { csrf, username: 'gina' },
        maxRedirects: 0,
      })
      assert.equal(signedOut.status(), 303)
      // The operator without the form token: refused too, audited as an expired form.
      const noToken = await olga.request.post(s.url('/admin/users/disable'), {
        form: { username: 'gina' },
        maxRedirects: 0,
      })
      assert.equal(noToken.status(), 403)
      await served(gina)
      const nickId = await s.subOf('nick')
      const refusals = await untilListed('admin.action', 2)
      assert.deepEqual(
        refusals.map((r) => [r.outcome, r.sub, r.user_name, r.detail]),
        [
          ['denied', nickId, 'nick', { action: 'users.disable', reason: 'not_operator' }],
          ['denied', olgaId, 'olga', { action: 'users.disable', reason: 'form_expired' }],
        ],
      )
      assert.equal((await listed('user.disabled')).length, 1)

      // Positive control: the operator's same request, with the form token, disables gina.
      const allowed = await olga.request.post(s.url('/admin/users/disable'), {
        form: { csrf, username: 'gina' },
        maxRedirects: 0,
      })
      assert.equal(allowed.status(), 303)
      await refused(gina)
      await byConsole('user.disabled', (r) => r.detail['username'] === 'gina')
    })
  },
)
