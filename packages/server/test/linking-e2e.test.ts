// Account linking end to end: a real SDK v2 client, a real Chromium (no JavaScript) signing in
// at a real oidc-provider session, consent at a real provider, the vault, the connect pages.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { startLinkingEnv } from './support/linking-env.ts'
import type { LinkingEnv } from './support/linking-env.ts'
import {
  SHOTS,
  browserSkip as skip,
  connectClient,
  linkIn,
  newBrowser,
  openConnectLink,
  text,
} from './support/linking-browser.ts'

void describe('account linking end to end (SDK v2 client, Chromium)', { skip }, () => {
  const backend = sqliteBackend()
  let store: Store
  let env: LinkingEnv
  let keyDir: string

  before(async () => {
    mkdirSync(SHOTS, { recursive: true })
    keyDir = mkdtempSync(join(tmpdir(), 'mandate-linking-'))
    store = await backend.open({ migrate: true })
    env = await startLinkingEnv(store, join(keyDir, 'master.key'))
  })
  after(async () => {
    await env.close()
    await store.close()
    await backend.cleanup()
    rmSync(keyDir, { recursive: true, force: true })
  })

  void it('2026-07-28 client with URL elicitation: elicitation → sign in → consent → callback → retry succeeds', async () => {
    const browser = await newBrowser()
    try {
      const seen: string[] = []
      const client = await connectClient(env, 'alice', true, true, async (url) => {
        seen.push(url)
        assert.match(await openConnectLink(browser.context, url, 'alice', 'modern'), /^Connected/)
      })
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
      await client.close()
    } finally {
      await browser.close()
    }
  })

  void it('client without URL elicitation: a message for the user, then the retry succeeds', async () => {
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
      assert.match(await openConnectLink(browser.context, link, 'carol', 'fallback'), /^Connected/)
      assert.equal(
        text(await client.callTool({ name: 'calendar_today', arguments: {} })),
        'calendar of carol: true',
      )
      await client.close()
    } finally {
      await browser.close()
    }
  })

  void it('two providers pending for one call (2026-07-28 and fallback)', async () => {
    const browser = await newBrowser()
    try {
      const seen: string[] = []
      const client = await connectClient(env, 'dave', true, true, async (url) => {
        seen.push(url)
        assert.match(await openConnectLink(browser.context, url, 'dave'), /^Connected/)
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
})
