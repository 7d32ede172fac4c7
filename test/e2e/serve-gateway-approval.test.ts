// The gateway's `approve` policy action through the real product: `mandate serve` with the
// gateway in front of a stdio upstream that records every call it runs, the SDK v2 client with
// @mandate/client (auth + URL elicitation, both protocol revisions) and the people in Chromium
// approving or denying on the approval page. An approval is for one exact call, once.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { chromium } from 'playwright-core'
import type { Page } from 'playwright-core'
import type { LoopbackAuthorizer } from '@mandate/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
  createUrlElicitationSupport,
} from '@mandate/client'
import { CHROMIUM, CHROMIUM_ARGS } from '../support/browser.ts'
import { checkAccessibility, checkStructure } from '../support/page-checks.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import {
  addUsers,
  BrowserUser,
  chromiumSkip,
  PASSWORD,
  startServe,
  tempDir,
} from './support/mandate-e2e.ts'

const UPSTREAM = fileURLToPath(new URL('./support/recording-upstream.ts', import.meta.url))
const APPROVAL_LINK = /^https?:\/\/[^/]+\/gateway\/approve\/[\w-]{43}$/

const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

/** What the person does with the next approval page the client opens. */
type Plan = 'approve' | 'deny' | 'approve-then-cancel' | 'look'

/** One approval page as the person saw it. */
interface Visit {
  url: string
  status: number
  body: string
  result: string
}

void describe(
  'mandate serve + gateway: approve policy action (SDK v2 + Chromium)',
  {
    skip: chromiumSkip,
  },
  () => {
    const dir = tempDir('mandate-e2e-approval-')
    const record = join(dir.path, 'calls.jsonl')
    let serve: MandateProcess
    const opened: { close(): Promise<void> }[] = []

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['alice', 'bob', 'erin'])
      const config = join(dir.path, 'mandate.json')
      writeFileSync(
        config,
        JSON.stringify({
          gateway: {
            enabled: true,
            upstreams: [
              {
                name: 'bank',
                transport: {
                  type: 'stdio',
                  command: process.execPath,
                  args: [UPSTREAM],
                  env: { RECORD_FILE: record },
                },
                policy: [
                  { tools: ['transfer'], action: 'approve' },
                  { tools: ['close_account'], action: 'approve', mfa: true },
                  // Exact tool, acr=mfa: the HTTP layer asks the host to step up (TOTP).
                  { tools: ['balance'], action: 'allow', acr: ['mfa'] },
                ],
              },
            ],
          },
        }),
      )
      serve = await startServe([...dataDir, '--config', config])
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await serve.stop()
      dir.remove()
    })

    const calls = (): { tool: string; args: Record<string, unknown> }[] =>
      existsSync(record)
        ? readFileSync(record, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as { tool: string; args: Record<string, unknown> })
        : []

    /** The person opens an approval page in their own signed-in browser and acts on it. */
    const visit = async (user: BrowserUser, url: string, plan: Plan): Promise<Visit> => {
      const page = await user.newPage()
      try {
        const response = await page.goto(url)
        const seen: Visit = {
          url,
          status: response?.status() ?? 0,
          body: (await page.textContent('main')) ?? '',
          result: '',
        }
        if (plan === 'look' || seen.status !== 200) return seen
        const button = plan === 'deny' ? 'Deny' : 'Approve'
        await Promise.all([
          page.waitForEvent('framenavigated'),
          page.getByRole('button', { name: button, exact: true }).click(),
        ])
        seen.result = ((await page.locator('h1').first().textContent()) ?? '').trim()
        return seen
      } finally {
        await page.close()
      }
    }

    /** A host for `user`: SDK v2 client, @mandate/client auth and URL elicitation. */
    const host = async (user: BrowserUser, version: '2026-07-28' | '2025-11-25') => {
      await user.open()
      opened.push(user)
      const url = new URL('/gateway/mcp', serve.url).href
      const authorizer: LoopbackAuthorizer = await createLoopbackAuthorizer({
        present: ({ url: authorization }) => user.authorize(authorization, authorizer.redirectUrl),
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const mandate = createMandateAuth({
        serverUrl: url,
        authorizer,
        store: createEncryptedFileStore({ path: join(dir.path, `${user.username}.enc`) }),
        clientMetadata: { client_name: 'Approval e2e host' },
        allowLoopback: true,
      })
      const state = { plan: 'approve' as Plan, visits: [] as Visit[], withdrawn: [] as string[] }
      const elicitation = createUrlElicitationSupport({
        serverUrl: url,
        allowLoopback: true,
        policy: { allowServerOrigin: true },
        consent: () => Promise.resolve({ approved: true }),
        open: async (link) => {
          state.visits.push(await visit(user, link.href, state.plan))
        },
        completionTimeoutMs: 30_000,
        manualRetry: ({ elicitationId, signal }) => {
          // 2026-07-28: the person says "done" once the page showed the decision.
          if (elicitationId === undefined) {
            const decided = state.plan === 'approve' || state.plan === 'deny'
            return Promise.resolve(decided ? 'retry' : 'cancel')
          }
          // 2025-11-25: only notifications/elicitation/complete ends the wait.
          return new Promise<'retry' | 'cancel'>((resolve) => {
            signal.addEventListener('abort', () => {
              state.withdrawn.push(elicitationId)
              resolve('cancel')
            })
          })
        },
      })
      const client = new Client(
        { name: 'approval-e2e', version: '0' },
        {
          capabilities: elicitation.capabilities,
          versionNegotiation: { mode: version === '2026-07-28' ? { pin: version } : 'legacy' },
        },
      )
      elicitation.attach(client)
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), { fetch: mandate.fetch }),
      )
      opened.push(client)
      const call = (args: Record<string, unknown>, plan: Plan, tool = 'bank__transfer') => {
        state.plan = plan
        return elicitation.callTool(client, { name: tool, arguments: args })
      }
      return { client, state, call }
    }

    let alice: BrowserUser
    let aliceHost: Awaited<ReturnType<typeof host>>

    before(async () => {
      alice = new BrowserUser('alice')
      aliceHost = await host(alice, '2026-07-28')
    })

    it('approve: the page shows upstream, tool and exact arguments; the call runs once', async () => {
      const { call, state } = aliceHost
      const result = await call({ to: 'bob', amount: 5, memo: '<b>rent</b>' }, 'approve')
      assert.equal(text(result), 'sent 5 to bob')
      assert.equal(state.visits.length, 1)
      const seen = state.visits[0]
      assert.ok(seen)
      assert.match(seen.url, APPROVAL_LINK)
      assert.equal(seen.status, 200)
      assert.match(seen.body, /bank/)
      assert.match(seen.body, /transfer/)
      assert.match(seen.body, /"amount": 5/)
      assert.match(seen.body, /"to": "bob"/)
      // Arguments are shown as text, never as markup.
      assert.match(seen.body, /<b>rent<\/b>/)
      assert.equal(seen.result, 'Call approved')
      assert.deepEqual(calls(), [
        { tool: 'transfer', args: { to: 'bob', amount: 5, memo: '<b>rent</b>' } },
      ])
    })

    it('replay: the same call again asks again (an approval is spent once)', async () => {
      const { call, state } = aliceHost
      const before = state.visits.length
      const result = await call({ to: 'bob', amount: 5, memo: '<b>rent</b>' }, 'look')
      assert.equal(state.visits.length, before + 1, 'asked again')
      assert.notEqual(state.visits.at(-1)?.url, state.visits.at(-2)?.url)
      assert.equal((result as { isError?: boolean }).isError, true)
      assert.match(text(result), /did not approve/)
      assert.equal(calls().length, 1)
    })

    it('an approval is bound to the arguments: other arguments ask again; the approved ones run', async () => {
      const { call, state } = aliceHost
      // Approved on the page, but the client cancelled: approved and not spent.
      const cancelled = await call({ to: 'carol', amount: 7 }, 'approve-then-cancel')
      assert.equal(state.visits.at(-1)?.result, 'Call approved')
      assert.match(text(cancelled), /did not approve/)
      const asked = state.visits.length
      // Other arguments: not covered by that approval, asked again, nothing runs.
      const other = await call({ to: 'carol', amount: 700 }, 'look')
      assert.equal(state.visits.length, asked + 1)
      assert.match(state.visits.at(-1)?.body ?? '', /"amount": 700/)
      assert.match(text(other), /did not approve/)
      assert.equal(calls().length, 1)
      // Positive control: the approved call itself (keys in another order) runs without asking.
      const approved = await call({ amount: 7, to: 'carol' }, 'look')
      assert.equal(text(approved), 'sent 7 to carol')
      assert.equal(state.visits.length, asked + 1)
      assert.equal(calls().length, 2)
    })

    it('deny: the call ends with a tool error and does not run', async () => {
      const { call, state } = aliceHost
      const result = await call({ to: 'mallory', amount: 9 }, 'deny')
      assert.equal(state.visits.at(-1)?.result, 'Call denied')
      assert.equal((result as { isError?: boolean }).isError, true)
      assert.match(text(result), /did not approve/)
      assert.equal(calls().length, 2)
    })

    it('another user opening the approval URL is refused; a form without its CSRF token is 403', async () => {
      const { call, state } = aliceHost
      await call({ to: 'dave', amount: 3 }, 'look')
      const link = state.visits.at(-1)?.url ?? ''
      assert.match(link, APPROVAL_LINK)

      // Bob is signed out: sign in and return to the approval, then "not for you".
      const bob = new BrowserUser('bob')
      await bob.open()
      opened.push(bob)
      await bob.authorize(new URL(link), link)
      const bobSees = await visit(bob, link, 'approve')
      assert.equal(bobSees.status, 403)
      assert.match(bobSees.body, /This approval is not for you/)
      const page = await bob.newPage()
      const bobPost = await page.request.post(link, {
        form: { decision: 'approve', csrf: 'x' },
        maxRedirects: 0,
      })
      assert.equal(bobPost.status(), 403)
      await page.close()

      // Alice in fresh browsers (signed out: sign in and return). With JavaScript: page checks
      // and axe-core. Without: a form lacking its CSRF token is 403; the page's own form works.
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
      opened.push(browser)
      const signedIn = async (js: boolean): Promise<Page> => {
        const context = await browser.newContext({ javaScriptEnabled: js, bypassCSP: js })
        const own = await context.newPage()
        await own.goto(link)
        await own.getByLabel('Username').fill('alice')
        await own.getByLabel('Password').fill(PASSWORD)
        await Promise.all([
          own.waitForURL(link),
          own.getByRole('button', { name: 'Sign in', exact: true }).click(),
        ])
        return own
      }
      const withJs = await signedIn(true)
      await checkStructure(withJs, 'gateway-approval')
      await checkAccessibility(withJs, 'gateway-approval')
      const noJs = await signedIn(false)
      await checkStructure(noJs, 'gateway-approval-nojs')
      const forged = await noJs.request.post(link, { form: { decision: 'approve' } })
      assert.equal(forged.status(), 403)
      const wrong = await noJs.request.post(link, {
        form: { decision: 'approve', csrf: 'x'.repeat(43) },
      })
      assert.equal(wrong.status(), 403)
      await Promise.all([
        noJs.waitForEvent('framenavigated'),
        noJs.getByRole('button', { name: 'Approve', exact: true }).click(),
      ])
      assert.equal((await noJs.locator('h1').first().textContent())?.trim(), 'Call approved')
      // Decided: the link is closed now.
      assert.equal((await noJs.goto(link))?.status(), 410)
      assert.equal(text(await call({ to: 'dave', amount: 3 }, 'look')), 'sent 3 to dave')
      assert.equal(calls().length, 3)
    })

    it('mfa: true needs a second factor in the approver sign-in; after step-up the call runs', async () => {
      const { call, state, client } = aliceHost
      // Alice's browser session used her password only: refused, nothing runs.
      const refused = await call({ id: 'acc-1' }, 'look', 'bank__close_account')
      assert.equal(state.visits.at(-1)?.status, 403)
      assert.match(state.visits.at(-1)?.body ?? '', /Second factor needed/)
      assert.match(text(refused), /did not approve/)
      assert.equal(calls().length, 3)
      // acr=mfa for `balance`: the host steps up, Alice enrols TOTP in the same browser.
      assert.equal(
        text(await client.callTool({ name: 'bank__balance', arguments: {} })),
        'balance 100',
      )
      assert.ok(alice.pages.flat().includes('Set up a second factor'))
      const closed = await call({ id: 'acc-1' }, 'approve', 'bank__close_account')
      assert.equal(state.visits.at(-1)?.result, 'Call approved')
      assert.equal(text(closed), 'closed acc-1')
      assert.equal(calls().length, 4)
    })

    it('2025-11-25: -32042, approve, notifications/elicitation/complete, the call runs once', async () => {
      const erin = new BrowserUser('erin')
      const { call, state } = await host(erin, '2025-11-25')
      const result = await call({ to: 'frank', amount: 11 }, 'approve')
      assert.equal(text(result), 'sent 11 to frank')
      assert.equal(state.visits.length, 1)
      // Released by the completion notification on the GET stream, not by the person.
      assert.equal(state.withdrawn.length, 1)
      assert.equal(calls().at(-1)?.args['to'], 'frank')
      assert.equal(calls().length, 5)
    })
  },
)
