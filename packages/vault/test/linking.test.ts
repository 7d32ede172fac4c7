import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { startTestProvider, authorizeInBrowser } from './support/test-provider.ts'
import type { TestProvider } from './support/test-provider.ts'
import { closeAll, linkDemoAccount, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'

for (const backend of backends()) {
  void describe(`provider leg of account linking on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    let provider: TestProvider
    let fixture: TestVault
    const dir = tempDir()

    before(async () => {
      if (skip !== false) return
      store = await backend.open()
      provider = await startTestProvider()
      fixture = await openTestVault(store, `${dir.path}/master.key`, provider)
    })
    after(async () => {
      if (skip === false) {
        await closeAll(
          () => fixture.close(),
          () => provider.close(),
          () => store.close(),
          () => backend.cleanup(),
        )
      }
      dir.remove()
    })

    void it(
      'builds an authorization URL with PKCE S256, state, nonce and the exact redirect URI',
      { skip },
      async () => {
        const { url, transaction } = await fixture.vault.startProviderAuthorization({
          sub: 'alice',
          provider: 'demo',
          scopes: ['calendar.read'],
          redirectUri: provider.redirectUri,
        })
        assert.equal(url.origin, provider.issuer)
        assert.equal(url.searchParams.get('redirect_uri'), provider.redirectUri)
        assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
        assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/)
        assert.equal(url.searchParams.get('state'), transaction.state)
        assert.ok((url.searchParams.get('nonce') ?? '').length >= 43)
        assert.deepEqual(url.searchParams.get('scope')?.split(' ').sort(), [
          'calendar.read',
          'offline_access',
          'openid',
        ])
        // The verifier never leaves the sealed transaction.
        assert.equal(url.href.includes(transaction.sealed), false)
      },
    )

    void it(
      'exchanges the code and stores the tokens encrypted in the vault',
      { skip },
      async () => {
        const linked = await linkDemoAccount(fixture.vault, provider, 'alice')
        assert.equal(linked.provider, 'demo')
        assert.equal(linked.account, provider.accountId)
        assert.equal(linked.is_default, true)
        assert.deepEqual(linked.scopes.sort(), ['calendar.read', 'offline_access', 'openid'])
        const credential = await fixture.vault
          .forTool([{ provider: 'demo', scopes: ['calendar.read'] }])
          .getFreshCredential({ sub: 'alice', provider: 'demo' })
        assert.ok(provider.issued.has(credential.access_token ?? ''))
        const row = await store.db
          .selectFrom('vault_credentials')
          .selectAll()
          .where('id', '=', linked.id)
          .executeTakeFirstOrThrow()
        for (const token of provider.issued)
          assert.equal(JSON.stringify(row).includes(token), false)
      },
    )

    void it('stores the provider client registration vault-encrypted', { skip }, async () => {
      const rows = await store.db.selectFrom('vault_provider_secrets').selectAll().execute()
      assert.equal(rows.length, 1)
      assert.match(rows[0]?.secret ?? '', /^mv1\./)
      assert.equal(JSON.stringify(rows).includes(provider.clientSecret), false)
    })

    void it(
      'catalogue #176: a callback completed by another signed-in user links nothing',
      { skip },
      async () => {
        const before = await fixture.vault.listCredentials('mallory')
        const { url, transaction } = await fixture.vault.startProviderAuthorization({
          sub: 'mallory',
          provider: 'demo',
          scopes: ['calendar.read'],
          redirectUri: provider.redirectUri,
        })
        const callbackUrl = await authorizeInBrowser(url, provider.redirectUri)
        await assert.rejects(
          fixture.vault.completeProviderAuthorization({ sub: 'bob', transaction, callbackUrl }),
          { code: 'ERR_VAULT_LINK_INVALID' },
        )
        assert.deepEqual(await fixture.vault.listCredentials('bob'), [])
        assert.deepEqual(await fixture.vault.listCredentials('mallory'), before)
      },
    )

    void it(
      'catalogue #177: a transaction cannot be re-bound to another state',
      { skip },
      async () => {
        const first = await fixture.vault.startProviderAuthorization({
          sub: 'carol',
          provider: 'demo',
          scopes: [],
          redirectUri: provider.redirectUri,
        })
        const second = await fixture.vault.startProviderAuthorization({
          sub: 'carol',
          provider: 'demo',
          scopes: [],
          redirectUri: provider.redirectUri,
        })
        const callbackUrl = await authorizeInBrowser(second.url, provider.redirectUri)
        // The sealed secrets of one attempt with the state of another: refused before any exchange.
        const forged = { ...second.transaction, sealed: first.transaction.sealed }
        await assert.rejects(
          fixture.vault.completeProviderAuthorization({
            sub: 'carol',
            transaction: forged,
            callbackUrl,
          }),
          { code: 'ERR_VAULT_LINK_INVALID' },
        )
        // A callback for attempt 2 presented to attempt 1 fails the state check.
        await assert.rejects(
          fixture.vault.completeProviderAuthorization({
            sub: 'carol',
            transaction: first.transaction,
            callbackUrl,
          }),
          { code: 'ERR_VAULT_LINK_INVALID' },
        )
        assert.deepEqual(await fixture.vault.listCredentials('carol'), [])
      },
    )

    void it(
      'catalogue #11: a callback with a foreign or missing iss is refused (RFC 9207 mix-up)',
      { skip },
      async () => {
        const { url, transaction } = await fixture.vault.startProviderAuthorization({
          sub: 'dave',
          provider: 'demo',
          scopes: [],
          redirectUri: provider.redirectUri,
        })
        const callbackUrl = await authorizeInBrowser(url, provider.redirectUri)
        assert.equal(callbackUrl.searchParams.get('iss'), provider.issuer)
        callbackUrl.searchParams.set('iss', 'https://attacker.example')
        await assert.rejects(
          fixture.vault.completeProviderAuthorization({ sub: 'dave', transaction, callbackUrl }),
          { code: 'ERR_VAULT_LINK_INVALID' },
        )
        callbackUrl.searchParams.delete('iss')
        await assert.rejects(
          fixture.vault.completeProviderAuthorization({ sub: 'dave', transaction, callbackUrl }),
          { code: 'ERR_VAULT_LINK_INVALID' },
        )
      },
    )

    void it('refuses an expired linking attempt', { skip }, async () => {
      const { url, transaction } = await fixture.vault.startProviderAuthorization({
        sub: 'erin',
        provider: 'demo',
        scopes: [],
        redirectUri: provider.redirectUri,
        ttlMs: 1,
      })
      const callbackUrl = await authorizeInBrowser(url, provider.redirectUri)
      await assert.rejects(
        fixture.vault.completeProviderAuthorization({ sub: 'erin', transaction, callbackUrl }),
        { code: 'ERR_VAULT_LINK_INVALID' },
      )
    })

    void it('reports a provider error response without storing anything', { skip }, async () => {
      const { transaction } = await fixture.vault.startProviderAuthorization({
        sub: 'frank',
        provider: 'demo',
        scopes: [],
        redirectUri: provider.redirectUri,
      })
      const callbackUrl = new URL(provider.redirectUri)
      callbackUrl.searchParams.set('error', 'access_denied')
      callbackUrl.searchParams.set('state', transaction.state)
      callbackUrl.searchParams.set('iss', provider.issuer)
      await assert.rejects(
        fixture.vault.completeProviderAuthorization({ sub: 'frank', transaction, callbackUrl }),
        { code: 'ERR_VAULT_LINK_FAILED', message: /access_denied/ },
      )
      assert.deepEqual(await fixture.vault.listCredentials('frank'), [])
    })
  })
}
