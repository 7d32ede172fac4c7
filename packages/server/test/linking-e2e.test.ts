// Account linking end to end: a real SDK v2 client, a real Chromium (no JavaScript) signing in
// at a real oidc-provider session, consent at a real provider, the vault, the connect pages.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { UrlElicitationRequiredError } from '@modelcontextprotocol/client'
import { backends } from '../../../test/support/stores.ts'
import { startLinkingEnv } from './support/linking-env.ts'
import type { LinkingEnv } from './support/linking-env.ts'
import {
  SHOTS,
  browserSkip,
  connectClient,
  linkIn,
  newBrowser,
  openConnectLink,
  text,
} from './support/linking-browser.ts'

for (const backend of backends()) {
  void describe(`account linking end to end (SDK v2 client, Chromium) on ${backend.name}`, async () => {
    const skip = browserSkip === false ? await backend.skip() : browserSkip
    let store: Store
    let env: LinkingEnv
    let keyDir: string

    before(async () => {
      if (skip !== false) return
      mkdirSync(SHOTS, { recursive: true })
      keyDir = mkdtempSync(join(tmpdir(), 'mandate-linking-'))
      store = await backend.open({ migrate: true })
      env = await startLinkingEnv(store, join(keyDir, 'master.key'))
    })
    after(async () => {
      if (skip !== false) return
      await env.close()
      await store.close()
      await backend.cleanup()
      rmSync(keyDir, { recursive: true, force: true })
    })

    void it(
      '2026-07-28 client with URL elicitation: elicitation → sign in → consent → callback → retry succeeds',
      { skip },
      async () => {
        const browser = await newBrowser()
        try {
          const seen: string[] = []
          const responses: string[] = []
          const client = await connectClient(
            env,
            'alice',
            true,
            true,
            async (url) => {
              seen.push(url)
              assert.match(
                await openConnectLink(browser.context, url, 'alice', 'modern'),
                /^Connected/,
              )
            },
            responses,
          )
          const result = await client.callTool({ name: 'calendar_today', arguments: {} })
          assert.equal(text(result), 'calendar of alice: true')
          assert.equal(seen.length, 1)
          const url = new URL(seen[0] ?? '')
          assert.equal(url.origin, env.origin)
          assert.match(url.pathname, /^\/connect\/[A-Za-z0-9_-]{43}$/)
          assert.equal(url.search, '')
          // Linked now: the next call needs no elicitation.
          assert.equal(
            text(await client.callTool({ name: 'calendar_today', arguments: {} })),
            'calendar of alice: true',
          )
          assert.equal(seen.length, 1)
          // catalogue #179: no third-party token or code ever reached the client.
          assert.ok(env.calendar.issued.size > 0)
          for (const value of env.calendar.issued) {
            for (const body of responses) assert.equal(body.includes(value), false)
          }
          await client.close()
        } finally {
          await browser.close()
        }
      },
    )

    void it(
      'client without URL elicitation: a message for the user, then the retry succeeds',
      { skip },
      async () => {
        const browser = await newBrowser()
        try {
          const client = await connectClient(env, 'carol', false, false)
          const first = await client.callTool({ name: 'calendar_today', arguments: {} })
          assert.equal(first.isError, true)
          const message = text(first)
          assert.match(message, /Message for the user/)
          assert.match(message, /do not open, fetch or\s+follow these links yourself/)
          const [link] = linkIn(message)
          assert.ok(link)
          assert.match(
            await openConnectLink(browser.context, link, 'carol', 'fallback'),
            /^Connected/,
          )
          assert.equal(
            text(await client.callTool({ name: 'calendar_today', arguments: {} })),
            'calendar of carol: true',
          )
          await client.close()
        } finally {
          await browser.close()
        }
      },
    )

    void it('two providers pending for one call (2026-07-28 and fallback)', { skip }, async () => {
      const browser = await newBrowser()
      try {
        const seen: string[] = []
        // The SDK hands both links over at once; the person opens them one after the other.
        // Two sign-ins racing in one browser can rotate the session under the other tab's
        // provider callback, which then (rightly) links nothing.
        let previous: Promise<unknown> = Promise.resolve()
        const client = await connectClient(env, 'dave', true, true, (url) => {
          const turn = previous.then(async () => {
            seen.push(url)
            assert.match(await openConnectLink(browser.context, url, 'dave'), /^Connected/)
          })
          previous = turn.catch(() => undefined)
          return turn
        })
        const result = await client.callTool({ name: 'calendar_and_mail', arguments: {} })
        assert.equal(text(result), 'both: demo-calendar,demo-mail')
        assert.equal(seen.length, 2)
        await client.close()
      } finally {
        await browser.close()
      }
      // Another user, in their own browser.
      const second = await newBrowser()
      try {
        const browser = second
        const legacy = await connectClient(env, 'erin', false, false)
        const links = linkIn(
          text(await legacy.callTool({ name: 'calendar_and_mail', arguments: {} })),
        )
        assert.equal(links.length, 2)
        for (const link of links)
          assert.match(await openConnectLink(browser.context, link, 'erin'), /^Connected/)
        assert.equal(
          text(await legacy.callTool({ name: 'calendar_and_mail', arguments: {} })),
          'both: demo-calendar,demo-mail',
        )
        await legacy.close()
      } finally {
        await second.close()
      }
    })

    void it(
      '2026-07-28: a retry before the browser step is done gets the same link back (requestState); declining ends the call',
      { skip },
      async () => {
        const browser = await newBrowser()
        try {
          const seen: string[] = []
          // The host answers at once twice (the person has not finished), then the person does.
          const client = await connectClient(env, 'lena', true, true, async (url) => {
            seen.push(url)
            if (seen.length === 3) {
              assert.match(await openConnectLink(browser.context, url, 'lena'), /^Connected/)
            }
          })
          const result = await client.callTool({ name: 'calendar_today', arguments: {} })
          assert.equal(text(result), 'calendar of lena: true')
          assert.equal(seen.length, 3)
          assert.equal(new Set(seen).size, 1, 'one link, handed out again, not three')
          const rows = await store.db
            .selectFrom('server_pending_links')
            .select('id_hash')
            .where('sub', '=', 'lena')
            .execute()
          assert.equal(rows.length, 1)
          await client.close()

          const declining = await connectClient(env, 'mona', true, true)
          declining.setRequestHandler('elicitation/create', () =>
            Promise.resolve({ action: 'decline' as const }),
          )
          const declined = await declining.callTool({ name: 'calendar_today', arguments: {} })
          assert.equal(declined.isError, true)
          assert.match(text(declined), /chose not to connect Demo Calendar; this tool did not run/)
          await declining.close()
        } finally {
          await browser.close()
        }
      },
    )

    void it(
      '2025-11-25 client with URL elicitation: -32042 with the connect URL, notifications/elicitation/complete on its GET stream, then the retry succeeds',
      { skip },
      async () => {
        const completed: string[] = []
        const stop = env.linking.onLinkCompleted((event) => {
          if (event.sub === 'kim') completed.push(event.elicitation_id)
        })
        const browser = await newBrowser()
        try {
          // Declares URL elicitation at `initialize`; the server remembers it per user+client.
          const client = await connectClient(env, 'kim', false, true)
          const notified: string[] = []
          let onNotified: () => void = () => undefined
          client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
            notified.push(notification.params.elicitationId)
            onNotified()
          })
          const error = await client.callTool({ name: 'calendar_today', arguments: {} }).then(
            () => undefined,
            (e: unknown) => e,
          )
          assert.ok(error instanceof UrlElicitationRequiredError, String(error))
          assert.equal(error.code, -32042)
          const [elicitation] = error.elicitations
          assert.ok(elicitation)
          assert.equal(elicitation.mode, 'url')
          assert.match(elicitation.elicitationId, /^[A-Za-z0-9_-]{22,}$/)
          const notification = new Promise<void>((resolve) => {
            onNotified = resolve
          })
          assert.match(
            await openConnectLink(browser.context, elicitation.url, 'kim', 'legacy'),
            /^Connected/,
          )
          // The SDK opened the standalone GET stream after `initialized`; the completion comes
          // on it (MCP 2025-11-25 elicitation, "URL Mode"), once.
          await Promise.race([
            notification,
            new Promise((_, reject) =>
              setTimeout(() => {
                reject(new Error('no notifications/elicitation/complete'))
              }, 10_000),
            ),
          ])
          assert.deepEqual(notified, [elicitation.elicitationId])
          assert.equal(
            text(await client.callTool({ name: 'calendar_today', arguments: {} })),
            'calendar of kim: true',
          )
          // Completion is published to every instance, with the elicitation id to notify.
          assert.deepEqual(completed, [elicitation.elicitationId])
          await client.close()
        } finally {
          stop()
          await browser.close()
        }
      },
    )
  })
}
