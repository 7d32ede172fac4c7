// The gateway's vault credentials through the real product: `mandate serve` with the gateway in
// front of a stdio upstream that reads the user's Demo Calendar token from its environment. A
// user without a linked account is asked to link through URL elicitation in the host's own
// revision (2026-07-28 input-required, 2025-11-25 -32042 + notifications/elicitation/complete on
// the gateway's GET stream), links in Chromium, and the retried call reaches the upstream with
// the linked credential.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { ConsentRequest, LoopbackAuthorizer } from '@mandate/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
  createUrlElicitationSupport,
} from '@mandate/client'
import { recordingFetch } from '../support/recording-fetch.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

const ENV_TOKEN_SERVER = fileURLToPath(
  new URL('../../packages/gateway/test/support/env-token-server.ts', import.meta.url),
)
const EMPTY_HASH = createHash('sha256').update('').digest('hex')
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

void describe(
  'mandate serve + gateway: account linking for a vault upstream, both revisions, Chromium',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-gateway-linking-')
    let serve: MandateProcess
    let gatewayUrl = ''
    const opened: { close(): Promise<void> }[] = []
    const responses: string[] = []
    const hosts = new Map<string, { client: Client; stale: string }>()

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['alice', 'erin'])
      const config = join(dir.path, 'mandate.json')
      writeFileSync(
        config,
        JSON.stringify({
          gateway: {
            enabled: true,
            upstreams: [
              {
                name: 'cal',
                transport: { type: 'stdio', command: process.execPath, args: [ENV_TOKEN_SERVER] },
                credential: {
                  kind: 'vault',
                  provider: 'demo-calendar',
                  scopes: ['calendar.read'],
                  env: 'UPSTREAM_TOKEN',
                },
                policy: [{ tools: ['token_hash', 'hash_unless_stale'], action: 'allow' }],
              },
            ],
          },
        }),
      )
      serve = await startServe([...dataDir, '--config', config])
      gatewayUrl = new URL('/gateway/mcp', serve.url).href
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await serve.stop()
      dir.remove()
    })

    /** The person goes through a connect link in their signed-in browser; the last heading. */
    const visit = async (user: BrowserUser, link: string): Promise<string[]> => {
      const page = await user.newPage()
      const headings: string[] = []
      const heading = async () => {
        const h1 = ((await page.locator('h1').first().textContent()) ?? '').trim()
        headings.push(h1)
        return h1
      }
      try {
        await page.goto(link)
        if (!(await heading()).startsWith('Connect ')) return headings
        await Promise.all([page.waitForURL(/./), page.click('button[value=allow]')])
        if ((await heading()) === 'Demo Calendar') {
          await page.click('button[value=allow]')
          await heading()
        }
        return headings
      } finally {
        await page.close()
      }
    }

    const host = async (user: BrowserUser, version: '2026-07-28' | '2025-11-25') => {
      await user.open()
      opened.push(user)
      const authorizer: LoopbackAuthorizer = await createLoopbackAuthorizer({
        present: ({ url }) => user.authorize(url, authorizer.redirectUrl),
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const mandate = createMandateAuth({
        serverUrl: gatewayUrl,
        authorizer,
        store: createEncryptedFileStore({ path: join(dir.path, `${version}.enc`) }),
        clientMetadata: { client_name: 'Gateway linking e2e host' },
        allowLoopback: true,
      })
      const consents: ConsentRequest[] = []
      const visits: string[][] = []
      const elicitation = createUrlElicitationSupport({
        serverUrl: gatewayUrl,
        allowLoopback: true,
        policy: { allowServerOrigin: true },
        consent: (request) => {
          consents.push(request)
          return Promise.resolve({ approved: true })
        },
        open: async (url) => {
          visits.push(await visit(user, url.href))
        },
        completionTimeoutMs: 30_000,
        // 2026-07-28: the person says "done" once the browser shows "Connected"; 2025-11-25:
        // only notifications/elicitation/complete (through the gateway's GET stream) ends it.
        manualRetry: ({ elicitationId, signal }) => {
          if (elicitationId === undefined)
            return Promise.resolve(visits.at(-1)?.at(-1) === 'Connected' ? 'retry' : 'cancel')
          return new Promise<'retry' | 'cancel'>((resolve) => {
            signal.addEventListener('abort', () => {
              resolve('cancel')
            })
          })
        },
      })
      const client = new Client(
        { name: 'gateway-linking-e2e', version: '0' },
        {
          capabilities: elicitation.capabilities,
          versionNegotiation: { mode: version === '2026-07-28' ? { pin: version } : 'legacy' },
        },
      )
      elicitation.attach(client)
      await client.connect(
        new StreamableHTTPClientTransport(new URL(gatewayUrl), {
          fetch: recordingFetch((url, init) => mandate.fetch(url, init), responses),
        }),
      )
      opened.push(client)
      return { client, elicitation, consents, visits }
    }

    const assertConnectLink = (link: string) => {
      const url = new URL(link)
      assert.equal(url.origin, serve.url.origin)
      assert.match(url.pathname, /^\/connect\/[A-Za-z0-9_-]{43}$/)
    }

    for (const [version, person] of [
      ['2026-07-28', 'alice'],
      ['2025-11-25', 'erin'],
    ] as const) {
      it(`${version}: missing link → URL elicitation → linked in Chromium → the retry reaches the upstream with the linked credential`, async () => {
        const { client, elicitation, consents, visits } = await host(
          new BrowserUser(person),
          version,
        )
        assert.equal(client.getNegotiatedProtocolVersion(), version)
        const listed = (await client.listTools()).tools.map((tool) => tool.name)
        assert.deepEqual(listed, ['cal__connect_account'])
        const before = responses.length
        const result = await elicitation.callTool(client, {
          name: 'cal__token_hash',
          arguments: {},
        })
        assert.notEqual(result.isError, true, text(result))
        assert.match(text(result), /^[0-9a-f]{64}$/)
        assert.notEqual(text(result), EMPTY_HASH, 'the upstream received a credential')
        assert.equal(consents.length, 1)
        assertConnectLink(consents[0]?.display.full ?? '')
        assert.deepEqual(visits[0]?.slice(1), ['Demo Calendar', 'Connected'])
        const answers = responses.slice(before).join('\n')
        if (version === '2025-11-25') assert.match(answers, /"code":\s*-32042/)
        else assert.doesNotMatch(answers, /-32042/)
        assert.doesNotMatch(answers, /Message for the user/)
        // Linked: the upstream's tools are listed, the next call needs no elicitation.
        const now = (await client.listTools()).tools.map((tool) => tool.name).sort()
        assert.deepEqual(now, ['cal__hash_unless_stale', 'cal__token_hash'])
        const again = await elicitation.callTool(client, { name: 'cal__token_hash', arguments: {} })
        assert.equal(text(again), text(result))
        assert.equal(consents.length, 1)
        hosts.set(version, { client, stale: text(result) })
      })
    }

    it('catalogue #193: an upstream tool error saying 401 refreshes the linked account once and retries with the new token', async () => {
      const linked = hosts.get('2026-07-28')
      assert.ok(linked, 'the 2026-07-28 test linked an account')
      // Positive control: a token the upstream accepts goes through unchanged, no refresh.
      const accepted = await linked.client.callTool({
        name: 'cal__hash_unless_stale',
        arguments: { stale: 'not-this-one' },
      })
      assert.equal(text(accepted), linked.stale)
      // The upstream refuses the current token (as a tool error): one refresh at Demo Calendar,
      // one retry, which the upstream accepts.
      const refreshed = await linked.client.callTool({
        name: 'cal__hash_unless_stale',
        arguments: { stale: linked.stale },
      })
      assert.notEqual(refreshed.isError, true, text(refreshed))
      assert.match(text(refreshed), /^[0-9a-f]{64}$/)
      assert.notEqual(text(refreshed), linked.stale)
      assert.notEqual(text(refreshed), EMPTY_HASH)
    })
  },
)
