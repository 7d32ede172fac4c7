// The offline demo: the shipped "Demo Calendar" provider (consent page, rotating refresh tokens)
// and the notes example's `calendar_today` tool, the linked-accounts page and unlink, and an
// API-key provider whose key is typed into our page, never into the client.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { startLinkingEnv } from './support/linking-env.ts'
import type { LinkingEnv } from './support/linking-env.ts'
import {
  SHOTS,
  browserSkip,
  connectClient,
  newBrowser,
  openConnectLink,
  text,
} from './support/linking-browser.ts'

for (const backend of backends()) {
  void describe(`demo calendar, linked accounts, API keys on ${backend.name}`, async () => {
    const skip = browserSkip === false ? await backend.skip() : browserSkip
    let store: Store
    let env: LinkingEnv
    let keyDir: string

    before(async () => {
      if (skip !== false) return
      mkdirSync(SHOTS, { recursive: true })
      keyDir = mkdtempSync(join(tmpdir(), 'mandate-linking-'))
      store = await backend.open({ migrate: true })
      env = await startLinkingEnv(store, join(keyDir, 'master.key'), { demo: true })
    })
    after(async () => {
      if (skip !== false) return
      await env.close()
      await store.close()
      await backend.cleanup()
      rmSync(keyDir, { recursive: true, force: true })
    })

    void it(
      'calendar_today links Demo Calendar with consent, then reads it through the vault',
      { skip },
      async () => {
        const browser = await newBrowser()
        try {
          const client = await connectClient(env, 'alice', true, true, async (url) => {
            assert.match(
              await openConnectLink(browser.context, url, 'alice', `demo-${backend.name}`),
              /^Connected/,
            )
          })
          const result = await client.callTool({ name: 'calendar_today', arguments: {} })
          assert.match(text(result), /^Events on \d{4}-\d{2}-\d{2}:\n09:30 Stand-up/)
          await client.close()

          // The linked-accounts page lists it (metadata only) and unlinks it.
          const page = await browser.context.newPage()
          await page.goto(`${env.origin}/connect/accounts`)
          const body = (await page.textContent('body')) ?? ''
          assert.match(body, /Demo Calendar/)
          assert.match(body, /calendar\.read/)
          assert.match(body, /active/)
          await page.screenshot({ path: join(SHOTS, `accounts-${backend.name}.png`) })
          await page.click('form[action="/connect/accounts/unlink"] button')
          assert.match((await page.textContent('body')) ?? '', /No linked accounts/)
          assert.deepEqual(await env.vault.listCredentials('alice'), [])
        } finally {
          await browser.close()
        }
      },
    )

    void it(
      'catalogue #193: a token the provider revoked early (401) is refreshed at once and the call succeeds',
      { skip },
      async () => {
        const browser = await newBrowser()
        try {
          const client = await connectClient(env, 'dora', true, true, async (url) => {
            assert.match(await openConnectLink(browser.context, url, 'dora'), /^Connected/)
          })
          assert.match(
            text(await client.callTool({ name: 'calendar_today', arguments: {} })),
            /^Events on /,
          )
          const demo = env.demo
          assert.ok(demo)
          const before = await env.vault
            .forTool([{ provider: 'demo-calendar', scopes: ['calendar.read'] }])
            .getFreshCredential({
              sub: 'dora',
              provider: 'demo-calendar',
            })
          // The provider revokes the access token (RFC 7009) long before its expiry.
          const discovery = (await (
            await fetch(`${demo.issuer}/.well-known/openid-configuration`)
          ).json()) as { revocation_endpoint: string }
          const revoked = await fetch(discovery.revocation_endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              token: before.access_token ?? '',
              token_type_hint: 'access_token',
              client_id: demo.client.client_id,
              client_secret: demo.client.client_secret ?? '',
            }),
          })
          assert.equal(revoked.status, 200)
          assert.match(
            text(await client.callTool({ name: 'calendar_today', arguments: {} })),
            /^Events on /,
          )
          const after = await env.vault
            .forTool([{ provider: 'demo-calendar', scopes: ['calendar.read'] }])
            .getFreshCredential({
              sub: 'dora',
              provider: 'demo-calendar',
            })
          assert.notEqual(after.access_token, before.access_token)
          await client.close()
        } finally {
          await browser.close()
        }
      },
    )

    void it('needs_reauth shows on the linked-accounts page', { skip }, async () => {
      const browser = await newBrowser()
      try {
        const client = await connectClient(env, 'bob', true, true, async (url) => {
          assert.match(await openConnectLink(browser.context, url, 'bob'), /^Connected/)
        })
        await client.callTool({ name: 'calendar_today', arguments: {} })
        await client.close()
        await store.db
          .updateTable('vault_credentials')
          .set({ status: 'needs_reauth' })
          .where('sub', '=', 'bob')
          .execute()
        const page = await browser.context.newPage()
        await page.goto(`${env.origin}/connect/accounts`)
        assert.match((await page.textContent('body')) ?? '', /needs to be connected again/)
      } finally {
        await browser.close()
      }
    })

    void it('an API key is typed into our page and stored in the vault', { skip }, async () => {
      const browser = await newBrowser()
      try {
        const outcome = await env.linking
          .forTool([{ provider: 'weather' }])
          .credentials({ mcpReq: {}, http: { authInfo: env.authInfo('carol') } } as never)
        if (outcome.ok) throw new Error('expected a link request')
        const [link] =
          /https?:\/\/\S+\/connect\/[A-Za-z0-9_-]{43}/.exec(JSON.stringify(outcome.answer)) ?? []
        assert.ok(link)
        const page = await browser.context.newPage()
        await page.goto(link)
        await page.fill('input[name=user]', 'carol')
        await page.click('button[type=submit]')
        assert.equal(await page.getAttribute('input[name=api_key]', 'type'), 'password')
        await page.fill('input[name=api_key]', 'wk_abcdefghijklmnop1234')
        await page.click('button[value=allow]')
        assert.equal(await page.textContent('h1'), 'Connected')
        const [saved] = await env.vault.listCredentials('carol')
        assert.equal(saved?.provider, 'weather')
        assert.equal(saved.kind, 'api_key')
      } finally {
        await browser.close()
      }
    })
  })
}
