// Account linking through the real product: `mandate serve` (SQLite, port 0, demo on), the SDK v2
// client with @mandate/client (auth + URL elicitation), and the person's Chromium, the same
// profile that signed in at the authorization server, on the connect pages and at Demo Calendar.
import assert from 'node:assert/strict'
import { join } from 'node:path'
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
import {
  addUsers,
  BrowserUser,
  chromiumSkip,
  PASSWORD,
  SHOTS,
  startServe,
  tempDir,
} from './support/mandate-e2e.ts'

const CONNECT_LINK = /https?:\/\/[^\s"'<>)\]]+\/connect\/[A-Za-z0-9_-]{43}/g

const text = (result: unknown): string => {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? []
  return content.map((part) => part.text ?? '').join('')
}

/** What the person saw and did in the browser for one connect link. */
interface LinkVisit {
  headings: string[]
  connectPage: string
  /** The provider's authorization code, seen on the way back to /connect/callback. */
  code: string | undefined
}

void describe(
  'mandate serve: account linking (calendar_today, Demo Calendar) with @mandate/client + Chromium',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-linking-')
    let serve: MandateProcess
    const opened: { close(): Promise<void> }[] = []
    /** Every byte `/mcp` sent to any client, and every provider code the browser carried. */
    const responses: string[] = []
    const codes: string[] = []

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['alice', 'bob', 'carol', 'erin', 'fay', 'mallory'])
      serve = await startServe(dataDir)
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await serve.stop()
      dir.remove()
    })

    /** The person opens a connect link in their (signed-in) browser and goes through it. */
    const visit = async (user: BrowserUser, link: string, shot: string): Promise<LinkVisit> => {
      const page = await user.newPage()
      const seen: LinkVisit = { headings: [], connectPage: '', code: undefined }
      page.on('request', (request) => {
        const url = new URL(request.url())
        if (url.pathname === '/connect/callback') {
          seen.code = url.searchParams.get('code') ?? undefined
          if (seen.code !== undefined) codes.push(seen.code)
        }
      })
      const heading = async () => {
        const h1 = ((await page.locator('h1').first().textContent()) ?? '').trim()
        seen.headings.push(h1)
        return h1
      }
      try {
        await page.goto(link)
        if (!(await heading()).startsWith('Connect ')) {
          seen.connectPage = (await page.textContent('body')) ?? ''
          return seen
        }
        seen.connectPage = (await page.textContent('body')) ?? ''
        await page.screenshot({ path: join(SHOTS, `linking-${shot}-confirm.png`), fullPage: true })
        await Promise.all([page.waitForURL(/./), page.click('button[value=allow]')])
        if ((await heading()) === 'Demo Calendar') {
          await page.screenshot({ path: join(SHOTS, `linking-${shot}-provider.png`) })
          await page.click('button[value=allow]')
          await heading()
        }
        await page.screenshot({ path: join(SHOTS, `linking-${shot}-done.png`) })
        return seen
      } finally {
        await page.close()
      }
    }

    /**
     * A host: sign-in in `user`'s Chromium, @mandate/client auth and (when `elicitation`) URL
     * elicitation whose consent is recorded and whose "system browser" is the same Chromium.
     */
    const host = async (
      user: BrowserUser,
      options: { version: '2026-07-28' | '2025-11-25'; elicitation: boolean; shot: string },
    ) => {
      await user.open()
      opened.push(user)
      const authorizer: LoopbackAuthorizer = await createLoopbackAuthorizer({
        present: ({ url }) => user.authorize(url, authorizer.redirectUrl),
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const mandate = createMandateAuth({
        serverUrl: serve.mcpUrl,
        authorizer,
        store: createEncryptedFileStore({ path: join(dir.path, `${options.shot}.enc`) }),
        clientMetadata: { client_name: 'Mandate e2e linking host' },
        allowLoopback: true,
      })
      const consents: ConsentRequest[] = []
      const visits: LinkVisit[] = []
      const manualRetries: string[] = []
      const withdrawn: string[] = []
      const elicitation = createUrlElicitationSupport({
        serverUrl: serve.mcpUrl,
        // `mandate serve` on loopback is plain http; the links must be on its own origin.
        allowLoopback: true,
        policy: { allowServerOrigin: true },
        consent: (request) => {
          consents.push(request)
          return Promise.resolve({ approved: true })
        },
        open: async (url) => {
          visits.push(await visit(user, url.href, options.shot))
        },
        completionTimeoutMs: 30_000,
        // 2026-07-28 has no completion notification: the person says "done" once the browser
        // shows "Connected". On 2025-11-25 they never do: only notifications/elicitation/complete
        // can end the wait, and it withdraws this prompt (its signal aborts).
        manualRetry: ({ elicitationId, signal }) => {
          if (elicitationId === undefined) {
            manualRetries.push('(2026-07-28)')
            const connected = visits.at(-1)?.headings.at(-1) === 'Connected'
            return Promise.resolve(connected ? 'retry' : 'cancel')
          }
          manualRetries.push(elicitationId)
          return new Promise<'retry' | 'cancel'>((resolve) => {
            signal.addEventListener('abort', () => {
              withdrawn.push(elicitationId)
              resolve('cancel')
            })
          })
        },
      })
      const client = new Client(
        { name: 'mandate-e2e-linking', version: '0' },
        {
          capabilities: options.elicitation ? elicitation.capabilities : {},
          versionNegotiation: {
            mode: options.version === '2026-07-28' ? { pin: options.version } : 'legacy',
          },
        },
      )
      if (options.elicitation) elicitation.attach(client)
      await client.connect(
        new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
          fetch: recordingFetch((url, init) => mandate.fetch(url, init), responses),
        }),
      )
      opened.push(client)
      return { client, elicitation, consents, visits, manualRetries, withdrawn }
    }

    const assertConnectLink = (link: string) => {
      const url = new URL(link)
      assert.equal(url.origin, serve.url.origin)
      assert.match(url.pathname, /^\/connect\/[A-Za-z0-9_-]{43}$/)
      assert.equal(url.search, '')
      assert.equal(url.hash, '')
    }

    const assertConnected = (seen: LinkVisit | undefined) => {
      assert.ok(seen)
      // The connect page names the provider and the scopes the tool declared.
      assert.match(seen.connectPage, /Demo Calendar/)
      assert.match(seen.connectPage, /calendar\.read/)
      assert.deepEqual(seen.headings.slice(1), ['Demo Calendar', 'Connected'])
      assert.ok(seen.code)
    }

    it('2026-07-28 with URL elicitation: consent asked with the /connect URL, Demo Calendar consent, the retried call returns the events', async () => {
      const alice = new BrowserUser('alice')
      const { client, elicitation, consents, visits, manualRetries } = await host(alice, {
        version: '2026-07-28',
        elicitation: true,
        shot: 'alice',
      })
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
      const result = await elicitation.callTool(client, { name: 'calendar_today', arguments: {} })
      assert.notEqual(result.isError, true, text(result))
      assert.match(text(result), /^Events on \d{4}-\d{2}-\d{2}:\n09:30 Stand-up/)
      assert.equal(consents.length, 1)
      const [consent] = consents
      assert.ok(consent)
      assert.equal(consent.serverUrl, serve.mcpUrl)
      assertConnectLink(consent.display.full)
      assert.equal(visits.length, 1)
      assertConnected(visits[0])
      // MRTR: no -32042; the person said "done", then the SDK retried with the input response.
      assert.deepEqual(manualRetries, ['(2026-07-28)'])
      // The browser was already signed in at the AS: no sign-in page on the way.
      assert.equal(visits[0]?.headings[0]?.startsWith('Connect '), true)

      // Linked: the next call needs no elicitation.
      assert.match(
        text(await elicitation.callTool(client, { name: 'calendar_today', arguments: {} })),
        /^Events on /,
      )
      assert.equal(consents.length, 1)
    })

    it('2025-11-25 with URL elicitation: -32042 → consent with the /connect URL → Demo Calendar → notifications/elicitation/complete → the retry returns the events', async () => {
      const erin = new BrowserUser('erin')
      const { client, elicitation, consents, visits, manualRetries, withdrawn } = await host(erin, {
        version: '2025-11-25',
        elicitation: true,
        shot: 'erin',
      })
      assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25')
      const responsesBefore = responses.length
      const result = await elicitation.callTool(client, { name: 'calendar_today', arguments: {} })
      assert.notEqual(result.isError, true, text(result))
      assert.match(text(result), /^Events on \d{4}-\d{2}-\d{2}:\n09:30 Stand-up/)
      // The capability declared at `initialize` was remembered (stateless serving): -32042, not
      // the text fallback.
      const answers = responses.slice(responsesBefore).join('\n')
      assert.match(answers, /"code":\s*-32042/)
      assert.doesNotMatch(answers, /Message for the user/)
      assert.equal(consents.length, 1)
      const [consent] = consents
      assert.ok(consent)
      assert.equal(consent.serverUrl, serve.mcpUrl)
      assertConnectLink(consent.display.full)
      assert.equal(visits.length, 1)
      assertConnected(visits[0])
      // Released by notifications/elicitation/complete on the GET stream, not by the person:
      // the manual control was offered, then withdrawn.
      assert.equal(manualRetries.length, 1)
      assert.match(manualRetries[0] ?? '', /^[A-Za-z0-9_-]{22,}$/)
      assert.deepEqual(withdrawn, manualRetries)
    })

    it('client without URL elicitation: a message addressed to the user with the link; linked in the browser, asked again, the events', async () => {
      const carol = new BrowserUser('carol')
      const { client } = await host(carol, {
        version: '2026-07-28',
        elicitation: false,
        shot: 'carol',
      })
      const first = await client.callTool({ name: 'calendar_today', arguments: {} })
      assert.equal(first.isError, true)
      const message = text(first)
      assert.match(message, /^Message for the user \(assistant: show it to the user as is;/m)
      assert.match(message, /do not open, fetch or\s+follow these links yourself/)
      const links = message.match(CONNECT_LINK) ?? []
      assert.equal(links.length, 1)
      const [link] = links
      assert.ok(link)
      assertConnectLink(link)
      assertConnected(await visit(carol, link, 'carol'))
      assert.match(
        text(await client.callTool({ name: 'calendar_today', arguments: {} })),
        /^Events on /,
      )
    })

    it('a signed-out browser opening a connect link signs in at the authorization server and comes back to the link', async () => {
      const fay = new BrowserUser('fay')
      const { client } = await host(fay, { version: '2026-07-28', elicitation: false, shot: 'fay' })
      const [link] = text(await client.callTool({ name: 'calendar_today', arguments: {} })).match(
        CONNECT_LINK,
      ) ?? ['']
      assertConnectLink(link)

      // Another device of Fay's: a browser with no session at the authorization server.
      const elsewhere = new BrowserUser('fay')
      await elsewhere.open()
      opened.push(elsewhere)
      const page = await elsewhere.newPage()
      try {
        await page.goto(link)
        assert.equal(new URL(page.url()).origin, serve.url.origin)
        assert.equal(((await page.locator('h1').first().textContent()) ?? '').trim(), 'Sign in')
        await page.screenshot({ path: join(SHOTS, 'linking-fay-sign-in.png'), fullPage: true })
        await page.getByLabel('Username').fill('fay')
        await page.getByLabel('Password').fill(PASSWORD)
        await Promise.all([
          page.waitForURL((url) => url.pathname.startsWith('/connect/')),
          page.getByRole('button', { name: 'Sign in', exact: true }).click(),
        ])
        // Back on the very link, with no consent page of the internal client on the way.
        assert.equal(page.url(), link)
        assert.match(((await page.locator('h1').first().textContent()) ?? '').trim(), /^Connect /)
      } finally {
        await page.close()
      }
      assertConnected(await visit(elsewhere, link, 'fay'))
      assert.match(
        text(await client.callTool({ name: 'calendar_today', arguments: {} })),
        /^Events on /,
      )
    })

    it("catalogue #176 hijack: user B's signed-in browser opening user A's link is refused, A's link still works", async () => {
      const bob = new BrowserUser('bob')
      const { client } = await host(bob, { version: '2026-07-28', elicitation: false, shot: 'bob' })
      const [link] = text(await client.callTool({ name: 'calendar_today', arguments: {} })).match(
        CONNECT_LINK,
      ) ?? ['']
      assertConnectLink(link)

      // Mallory, signed in at the same AS in her own browser, opens Bob's link.
      const mallory = new BrowserUser('mallory')
      const malloryHost = await host(mallory, {
        version: '2026-07-28',
        elicitation: false,
        shot: 'mallory',
      })
      const page = await mallory.newPage()
      const refused = await page.goto(link)
      assert.equal(refused?.status(), 403)
      assert.match((await page.textContent('body')) ?? '', /This link is not for you/)
      assert.match((await page.textContent('body')) ?? '', /Nothing was linked/)
      assert.equal(await page.locator('button[value=allow]').count(), 0)
      await page.close()
      // Mallory's own calendar is still not linked.
      const malloryCall = await malloryHost.client.callTool({
        name: 'calendar_today',
        arguments: {},
      })
      assert.match(
        text(malloryCall),
        /^Message for the user \(assistant: show it to the user as is;/m,
      )

      // Bob's link was not consumed by the refusal.
      assertConnected(await visit(bob, link, 'bob'))
      assert.match(
        text(await client.callTool({ name: 'calendar_today', arguments: {} })),
        /^Events on /,
      )
    })

    it('catalogue #179: no provider token or code in any MCP response or in the server output', () => {
      assert.ok(codes.length >= 3, 'links were completed above')
      const output = serve.output()
      // The server did log the linking (audit events), so the output checked is not empty.
      assert.match(output, /vault\.credential\.linked/)
      for (const code of codes) {
        for (const body of responses) assert.equal(body.includes(code), false)
        assert.equal(output.includes(code), false)
      }
      const everything = [...responses, output].join('\n')
      // The provider's tokens have names on the wire; none of them travels past the vault.
      assert.doesNotMatch(everything, /"(access_token|refresh_token|id_token)"\s*:/)
      // Any opaque 43-character token in an MCP response is a connect-link id or the MAC of a
      // 2026-07-28 requestState, whose payload names only the user, link ids and an expiry.
      const linkIds = new Set([...everything.matchAll(CONNECT_LINK)].map((m) => m[0].slice(-43)))
      for (const [, body = '', mac = ''] of everything.matchAll(
        /"requestState":"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})"/g,
      )) {
        const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as object
        assert.deepEqual(Object.keys(state).sort(), ['exp', 'links', 'sub'])
        for (const id of Object.values((state as { links: object }).links)) {
          assert.ok(linkIds.has(String(id)), 'a requestState names only connect links')
        }
        linkIds.add(mac)
      }
      for (const body of responses) {
        for (const [candidate] of body.matchAll(
          /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
        ))
          assert.ok(linkIds.has(candidate), 'an unexplained token-shaped value in an MCP response')
      }
    })
  },
)
