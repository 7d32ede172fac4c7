// Providers change while `mandate serve` runs (issue 16): an operator adds an API-key provider in
// the console (Chromium, no JavaScript) and a user links it at once, without a restart; the
// gateway's upstream (a stdio MCP server that answers the SHA-256 of the credential it was given,
// never the credential) then gets the user's key. The operator removes it: the very next tool
// call gets no credential and the connect page refuses a link of it. The same again with
// `mandate providers add|remove` from another process against the running serve (SQLite: the
// serve reads the table on a timer, and the removal deletes the accounts in its transaction).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
} from '@mandate/client'
import type { Page } from 'playwright-core'
import { currentStep, totpAt } from '../../packages/authorization-server/src/mfa/totp.ts'
import { createPendingLink } from '../../packages/server/src/linking/lib/pending-links.ts'
import { runCli } from '../support/cli.ts'
import { BrowserUser, chromiumSkip } from './support/mandate-e2e.ts'
import { startPagesSession } from './support/pages-session.ts'
import type { PagesSession } from './support/pages-session.ts'

const ENV_TOKEN_SERVER = fileURLToPath(
  new URL('../../packages/gateway/test/support/env-token-server.ts', import.meta.url),
)
const SHOTS = join(process.cwd(), 'test-results', 'e2e-live-providers')
const CONNECT_LINK = /https?:\/\/[^\s"'<>)\]]+\/connect\/[A-Za-z0-9_-]{43}/
const KEYS = ['wk_console_key_0123456789', 'wk_cli_key_9876543210']
const hash = (value: string) => createHash('sha256').update(value).digest('hex')
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

void describe(
  'mandate serve: providers added and removed while it runs',
  { skip: chromiumSkip },
  () => {
    let s: PagesSession
    const una = new BrowserUser('una')
    const opened: { close(): Promise<void> }[] = []
    let client: Client

    before(async () => {
      s = await startPagesSession({
        prefix: 'mandate-e2e-live-providers-',
        shots: SHOTS,
        users: ['una', 'olga'],
        operators: ['olga'],
        setup: (dir) => {
          writeFileSync(
            join(dir, 'mandate.json'),
            JSON.stringify({
              gateway: {
                enabled: true,
                upstreams: [
                  {
                    name: 'keyed',
                    transport: {
                      type: 'stdio',
                      command: process.execPath,
                      args: [ENV_TOKEN_SERVER],
                    },
                    credential: { kind: 'vault', provider: 'weather', env: 'UPSTREAM_TOKEN' },
                    policy: [{ action: 'allow' }],
                  },
                ],
              },
            }),
          )
          return Promise.resolve()
        },
        serveArgs: (dir) => ['--config', join(dir, 'mandate.json')],
      })
      await una.open()
      opened.push(una)
      const authorizer = await createLoopbackAuthorizer({
        present: ({ url }) => una.authorize(url, authorizer.redirectUrl),
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const gatewayUrl = s.url('/gateway/mcp')
      const mandate = createMandateAuth({
        serverUrl: gatewayUrl,
        authorizer,
        store: createEncryptedFileStore({ path: join(s.dataDir[1] ?? '', 'una-host.enc') }),
        clientMetadata: { client_name: 'Live providers e2e host' },
        allowLoopback: true,
      })
      client = new Client({ name: 'live-providers-e2e', version: '0' })
      await client.connect(
        new StreamableHTTPClientTransport(new URL(gatewayUrl), { fetch: mandate.fetch }),
      )
      opened.push(client)
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await s.close()
    })

    const tokenHash = async () =>
      text(await client.callTool({ name: 'keyed__token_hash', arguments: {} }))

    /** The tool asks una to link; she opens the link in her signed-in browser and types `key`. */
    const link = async (key: string) => {
      const asked = await tokenHash()
      const url = CONNECT_LINK.exec(asked)?.[0]
      assert.ok(url !== undefined, `a connect link in: ${asked}`)
      const page = await una.newPage()
      await page.goto(url)
      await page.getByLabel('Your Weather API key').fill(key)
      await page.getByRole('button', { name: 'Save key' }).click()
      await page.getByRole('heading', { name: 'Connected' }).waitFor()
      await page.close()
    }

    /** A pending link of `weather` for una, as the tool makes one; its connect page's status. */
    const connectStatus = async (id: string) => {
      const page = await una.newPage()
      const response = await page.goto(s.url(`/connect/${id}`))
      const status = response?.status() ?? 0
      const form = await page.getByLabel('Your Weather API key').count()
      await page.close()
      return { status, form }
    }
    const pendingWeather = async () =>
      createPendingLink(s.store, {
        sub: await s.subOf('una'),
        clientId: 'e2e',
        provider: 'weather',
        scopes: [],
        ttlMs: 600_000,
        now: Date.now(),
      })

    /** Resolves on the serve's next log line saying its provider catalog was reloaded. */
    const nextReload = () =>
      new Promise<void>((resolve, reject) => {
        const stdout = s.serve.child.stdout
        // Only to stop a hang: the timed read is every 250 ms.
        const timer = setTimeout(() => {
          stdout?.off('data', seen)
          reject(new Error('serve did not reload its providers'))
        }, 60_000)
        const seen = (chunk: string) => {
          if (!chunk.includes('providers reloaded')) return
          stdout?.off('data', seen)
          clearTimeout(timer)
          resolve()
        }
        stdout?.on('data', seen)
      })

    const operatorPage = async (): Promise<Page> => {
      const enrol = await (await s.newContext(false)).newPage()
      await s.signIn(enrol, 'olga', '/account')
      await enrol.getByRole('button', { name: 'Set up an authenticator app' }).click()
      const secret = (await enrol.getByTestId('totp-secret').textContent()) ?? ''
      await enrol.getByLabel('6-digit code').fill(totpAt(secret, currentStep()))
      await enrol.getByRole('button', { name: 'Confirm' }).click()
      const codes = await enrol.getByTestId('recovery-codes').locator('code').allTextContents()
      const page = await (await s.newContext(false)).newPage()
      await s.signIn(page, 'olga', '/admin/providers', codes[0])
      return page
    }

    it('console: added → linkable at once; removed → the next call gets nothing', async () => {
      // Not offered yet: the tool says so and asks for no link.
      assert.match(await tokenHash(), /weather is not offered/)

      const admin = await operatorPage()
      await admin.getByLabel(/^Id \(a preset/).fill('weather')
      await admin.getByLabel('Kind', { exact: true }).selectOption('api_key')
      await admin.getByLabel('Name shown to people').fill('Weather')
      await admin.getByRole('button', { name: 'Add a provider' }).click()
      await admin.getByRole('status').waitFor()

      // Positive control: linked without a restart, and the upstream gets una's key.
      await link(KEYS[0] ?? '')
      assert.equal(await tokenHash(), hash(KEYS[0] ?? ''))
      const pending = await pendingWeather()
      assert.deepEqual(await connectStatus(pending.id), { status: 200, form: 1 })

      await admin.getByRole('button', { name: 'Remove provider weather' }).click()
      await admin.getByRole('status').waitFor()
      // The very next call: no credential reaches the upstream, and no link is offered.
      const after = await tokenHash()
      assert.doesNotMatch(after, new RegExp(hash(KEYS[0] ?? '')))
      assert.match(after, /weather is not offered/)
      const refused = await connectStatus(pending.id)
      assert.equal(refused.form, 0)
      assert.ok(refused.status >= 400, String(refused.status))
      const left = await s.store.db
        .selectFrom('vault_credentials')
        .select('id')
        .where('provider', '=', 'weather')
        .execute()
      assert.equal(left.length, 0)
    })

    it('CLI against the running serve: add → linkable; remove → the next call gets nothing', async () => {
      const addedSeen = nextReload()
      const added = await runCli(
        [
          'providers',
          'add',
          'weather',
          '--kind',
          'api_key',
          '--display-name',
          'Weather',
          ...s.dataDir,
        ],
        { stdin: '' },
      )
      assert.equal(added.code, 0, added.stderr)
      await addedSeen
      await link(KEYS[1] ?? '')
      assert.equal(await tokenHash(), hash(KEYS[1] ?? ''))
      const pending = await pendingWeather()
      assert.deepEqual(await connectStatus(pending.id), { status: 200, form: 1 })

      const removedSeen = nextReload()
      const removed = await runCli(['providers', 'remove', 'weather', ...s.dataDir])
      assert.equal(removed.code, 0, removed.stderr)
      assert.match(removed.stdout, /removed provider weather and 1 linked account/)
      // The very next call, before the serve has read the table again: the account is gone.
      assert.doesNotMatch(await tokenHash(), new RegExp(hash(KEYS[1] ?? '')))
      await removedSeen
      assert.match(await tokenHash(), /weather is not offered/)
      assert.equal((await connectStatus(pending.id)).form, 0)
      assert.doesNotMatch(s.serve.output(), new RegExp(KEYS.join('|')))
    })
  },
)
