// Negative tests for catalogue section K (URL-mode elicitation and account linking), in a real
// browser against the real connect pages, session provider, third-party provider and vault.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { UrlElicitationRequiredError } from '@modelcontextprotocol/server'
import { backends } from '../../../test/support/stores.ts'
import { linkRequiredAnswer } from '../src/linking/lib/link-required-answer.ts'
import { startLinkingEnv } from './support/linking-env.ts'
import type { LinkingEnv } from './support/linking-env.ts'
import {
  browserSkip,
  connectClient,
  linkIn,
  newBrowser,
  openConnectLink,
  text,
} from './support/linking-browser.ts'

for (const backend of backends()) {
  void describe(`account linking: catalogue section K on ${backend.name}`, async () => {
    const skip = browserSkip === false ? await backend.skip() : browserSkip
    let store: Store
    let env: LinkingEnv
    let keyDir: string

    /** A fresh connect link for `sub`, as a client without URL elicitation receives it. */
    const linkFor = async (sub: string, tool = 'calendar_today'): Promise<string> => {
      const client = await connectClient(env, sub, false, false)
      try {
        const [link] = linkIn(text(await client.callTool({ name: tool, arguments: {} })))
        assert.ok(link)
        return link
      } finally {
        await client.close()
      }
    }
    const accounts = async (sub: string): Promise<string> =>
      JSON.stringify(await env.vault.listCredentials(sub))

    before(async () => {
      if (skip !== false) return
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
      "catalogue #176: user B opening user A's link is refused and A's vault is unchanged",
      { skip },
      async () => {
        const link = await linkFor('alice')
        const before = await accounts('alice')
        const bob = await newBrowser()
        try {
          const seen = await openConnectLink(bob.context, link, 'bob')
          assert.match(seen, /^This link is not for you: .*Nothing was linked/)
          // Even a forged confirmation (Bob's own CSRF token cannot be A's) links nothing.
          const response = await bob.context.request.post(link, {
            form: { decision: 'allow', csrf: 'x'.repeat(43) },
            maxRedirects: 0,
          })
          assert.equal(response.status(), 403)
        } finally {
          await bob.close()
        }
        assert.equal(await accounts('alice'), before)
        assert.equal(await accounts('bob'), '[]')
        // The link still works for Alice herself.
        const alice = await newBrowser()
        try {
          assert.match(await openConnectLink(alice.context, link, 'alice'), /^Connected/)
        } finally {
          await alice.close()
        }
        assert.equal((await env.vault.listCredentials('alice')).length, 1)
      },
    )

    void it(
      'catalogue #177: a provider callback completed in another user’s browser links nothing',
      { skip },
      async () => {
        const link = await linkFor('frank')
        const frank = await newBrowser()
        const mallory = await newBrowser()
        try {
          // Frank confirms; his provider callback is captured instead of delivered...
          const confirm = await frank.context.newPage()
          await confirm.goto(link)
          await confirm.fill('input[name=user]', 'frank')
          await confirm.click('button[type=submit]')
          const csrf = (await confirm.getAttribute('input[name=csrf]', 'value')) ?? ''
          let next = (
            await frank.context.request.post(link, {
              form: { decision: 'allow', csrf },
              maxRedirects: 0,
            })
          ).headers()['location']
          let callback = ''
          for (let hops = 0; hops < 10 && next !== undefined; hops += 1) {
            if (next.startsWith(`${env.origin}/connect/callback`)) {
              callback = next
              break
            }
            const response = await frank.context.request.get(next, { maxRedirects: 0 })
            const location = response.headers()['location']
            next = location === undefined ? undefined : new URL(location, next).href
          }
          assert.match(callback, /\/connect\/callback\?.*state=/)
          // ...and replayed in Mallory's signed-in browser.
          const page = await mallory.context.newPage()
          await page.goto(`${env.origin}/signin?return_to=${encodeURIComponent(env.origin + '/x')}`)
          await page.fill('input[name=user]', 'mallory')
          await page.click('button[type=submit]')
          const response = await page.goto(callback)
          assert.equal(response?.status(), 403)
          assert.match((await page.textContent('body')) ?? '', /Nothing was linked/)
        } finally {
          await frank.close()
          await mallory.close()
        }
        assert.equal(await accounts('mallory'), '[]')
        assert.equal(await accounts('frank'), '[]')
      },
    )

    void it(
      'catalogue #178: the URL carries only an opaque 256-bit id, stored hashed, and is single-use',
      { skip },
      async () => {
        const link = await linkFor('grace')
        const url = new URL(link)
        assert.equal(url.origin, env.origin)
        assert.equal(url.search, '')
        assert.equal(url.hash, '')
        const id = url.pathname.split('/').pop() ?? ''
        assert.match(id, /^[A-Za-z0-9_-]{43}$/)
        assert.equal(link.includes('grace'), false)
        const rows = await store.db.selectFrom('server_pending_links').selectAll().execute()
        assert.equal(
          rows.some((r) => JSON.stringify(r).includes(id)),
          false,
        )
        assert.ok(rows.some((r) => r.id_hash === createHash('sha256').update(id).digest('hex')))
        const browser = await newBrowser()
        try {
          assert.match(await openConnectLink(browser.context, link, 'grace'), /^Connected/)
          // Single use: the same link again is refused.
          assert.match(await openConnectLink(browser.context, link, 'grace'), /^Link already used/)
        } finally {
          await browser.close()
        }
      },
    )

    void it('catalogue #186: an expired link is refused and links nothing', { skip }, async () => {
      const link = await linkFor('heidi')
      const id = new URL(link).pathname.split('/').pop() ?? ''
      await store.db
        .updateTable('server_pending_links')
        .set({ expires_at: Date.now() - 1 })
        .where('id_hash', '=', createHash('sha256').update(id).digest('hex'))
        .execute()
      const browser = await newBrowser()
      try {
        assert.match(await openConnectLink(browser.context, link, 'heidi'), /^Link expired/)
      } finally {
        await browser.close()
      }
      assert.equal(await accounts('heidi'), '[]')
    })

    void it(
      'catalogue #16: connect pages refuse framing and need the CSRF token',
      { skip },
      async () => {
        const link = await linkFor('ivan')
        const browser = await newBrowser()
        try {
          const page = await browser.context.newPage()
          const response = await page.goto(link)
          await page.fill('input[name=user]', 'ivan')
          await page.click('button[type=submit]')
          const headers = (await page.goto(link))?.headers() ?? {}
          assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/)
          assert.equal(headers['x-frame-options'], 'DENY')
          assert.equal(headers['referrer-policy'], 'no-referrer')
          assert.ok(response)
          const post = await browser.context.request.post(link, {
            form: { decision: 'allow' },
            maxRedirects: 0,
          })
          assert.equal(post.status(), 403)
        } finally {
          await browser.close()
        }
        assert.equal(await accounts('ivan'), '[]')
      },
    )

    void it(
      'catalogue #187: cancelling links nothing; a browser that is not signed in must sign in',
      { skip },
      async () => {
        const link = await linkFor('judy')
        const browser = await newBrowser()
        try {
          const page = await browser.context.newPage()
          await page.goto(link)
          assert.equal(await page.title(), 'Sign in')
          await page.fill('input[name=user]', 'judy')
          await page.click('button[type=submit]')
          await page.click('button[value=deny]')
          assert.equal(await page.textContent('h1'), 'Cancelled')
        } finally {
          await browser.close()
        }
        assert.equal(await accounts('judy'), '[]')
      },
    )

    void it(
      'catalogue #182: 2025-11-25 URL elicitation carries unguessable elicitation ids',
      { skip },
      () => {
        const links = [
          {
            provider: 'p',
            displayName: 'P',
            url: 'https://rs.example/connect/x',
            elicitationId: 'a'.repeat(22),
          },
        ]
        assert.throws(
          () => linkRequiredAnswer('legacy-url', links),
          (error: unknown) =>
            error instanceof UrlElicitationRequiredError &&
            error.code === -32042 &&
            error.elicitations[0]?.mode === 'url' &&
            error.elicitations[0].elicitationId === 'a'.repeat(22),
        )
      },
    )
  })
}
