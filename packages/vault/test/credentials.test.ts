import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { recordVaultRefreshFailure, swapVaultSecret, touchVaultCredential } from '@mandate/store'
import type { Store } from '@mandate/store'
import { randomBytes } from 'node:crypto'
import {
  createKeyFile,
  createProviderCatalog,
  keyFileProvider,
  keyRingWrapper,
  openVault,
} from '@mandate/vault'
import type { KeyWrapper, ProviderCatalog } from '@mandate/vault'
import { backends } from '../../../test/support/stores.ts'
import { closeAll, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'

const ACCESS = 'gho_accessTokenValue0123456789abcdef'
const REFRESH = 'ghr_refreshTokenValue0123456789abcdef'
const API_KEY = 'wk_ApiKeyValue0123456789'

for (const backend of backends()) {
  void describe(`vault credentials on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    let fixture: TestVault
    const dir = tempDir()
    const github = (scopes?: string[]) =>
      fixture.vault.forTool([{ provider: 'github', scopes: scopes ?? ['repo'] }])

    before(async () => {
      if (skip !== false) return
      store = await backend.open()
      fixture = await openTestVault(store, `${dir.path}/master.key`)
    })
    after(async () => {
      if (skip === false) {
        await closeAll(
          () => fixture.close(),
          () => store.close(),
          () => backend.cleanup(),
        )
      }
      dir.remove()
    })

    void it(
      'stores an OAuth credential and returns it to a tool that declared it',
      { skip },
      async () => {
        const saved = await fixture.vault.saveOAuthCredential({
          sub: 'alice',
          provider: 'github',
          account: 'alice-gh',
          tokens: {
            access_token: ACCESS,
            refresh_token: REFRESH,
            token_type: 'bearer',
            expires_in: 3600,
            scope: 'repo read:user',
          },
        })
        assert.equal(saved.is_default, true)
        assert.equal(saved.token_type, 'Bearer')
        assert.deepEqual(saved.scopes, ['repo', 'read:user'])
        const fresh = await github().getFreshCredential({ sub: 'alice', provider: 'github' })
        assert.equal(fresh.access_token, ACCESS)
        assert.equal(fresh.account, 'alice-gh')
        assert.deepEqual(fresh.scopes, ['repo'])
        assert.equal('refresh_token' in fresh, false)
      },
    )

    void it(
      'a provider the catalog no longer offers gives no credential (removed by an operator)',
      { skip },
      async () => {
        // The same store and keys, with a catalog that changes while the vault runs.
        let current = createProviderCatalog({ presets: ['github'] })
        const catalog: ProviderCatalog = {
          get: (id) => current.get(id),
          require: (id) => current.require(id),
          list: () => current.list(),
        }
        const vault = await openVault({
          store,
          keys: keyFileProvider(`${dir.path}/master.key`),
          catalog,
          backgroundRewrap: false,
        })
        try {
          const reader = vault.forTool([{ provider: 'github', scopes: ['repo'] }])
          // Positive control: offered, the stored credential is read.
          const fresh = await reader.getFreshCredential({ sub: 'alice', provider: 'github' })
          assert.equal(fresh.access_token, ACCESS)
          current = createProviderCatalog({})
          await assert.rejects(reader.getFreshCredential({ sub: 'alice', provider: 'github' }), {
            code: 'ERR_VAULT_PROVIDER_UNKNOWN',
          })
        } finally {
          await vault.close()
        }
      },
    )

    void it('keeps no plaintext secret in the database', { skip }, async () => {
      const rows = await store.db.selectFrom('vault_credentials').selectAll().execute()
      const dump = JSON.stringify(rows)
      assert.equal(dump.includes(ACCESS), false)
      assert.equal(dump.includes(REFRESH), false)
      assert.match(rows[0]?.secret ?? '', /^mv1\.1\./)
    })

    void it('lists metadata only, never a secret', { skip }, async () => {
      await fixture.vault.saveApiKey({
        sub: 'alice',
        provider: 'weather',
        account: 'default',
        apiKey: API_KEY,
      })
      const listed = await fixture.vault.listCredentials('alice')
      assert.deepEqual(
        listed.map((entry) => entry.provider),
        ['github', 'weather'],
      )
      const dump = JSON.stringify(listed)
      for (const secret of [ACCESS, REFRESH, API_KEY, 'mv1.'])
        assert.equal(dump.includes(secret), false)
      assert.equal(
        listed.every((entry) => !('secret' in entry)),
        true,
      )
    })

    void it('keeps several accounts per provider with one default', { skip }, async () => {
      const work = await fixture.vault.saveOAuthCredential({
        sub: 'alice',
        provider: 'github',
        account: 'alice-work',
        tokens: { access_token: 'gho_work', scope: 'repo' },
      })
      assert.equal(work.is_default, false)
      assert.equal(
        (await github().getFreshCredential({ sub: 'alice', provider: 'github' })).account,
        'alice-gh',
      )
      assert.equal(
        (
          await github().getFreshCredential({
            sub: 'alice',
            provider: 'github',
            account: 'alice-work',
          })
        ).access_token,
        'gho_work',
      )
      await fixture.vault.setDefaultCredential('alice', work.id)
      assert.equal(
        (await github().getFreshCredential({ sub: 'alice', provider: 'github' })).account,
        'alice-work',
      )
      const defaults = (await fixture.vault.listCredentials('alice')).filter(
        (entry) => entry.provider === 'github' && entry.is_default,
      )
      assert.equal(defaults.length, 1)
    })

    void it('replaces the record when the same account links again', { skip }, async () => {
      const before = await fixture.vault.listCredentials('alice')
      await fixture.vault.saveOAuthCredential({
        sub: 'alice',
        provider: 'github',
        account: 'alice-work',
        tokens: { access_token: 'gho_work2', scope: 'repo' },
      })
      const after = await fixture.vault.listCredentials('alice')
      assert.equal(after.length, before.length)
      assert.equal(
        (
          await github().getFreshCredential({
            sub: 'alice',
            provider: 'github',
            account: 'alice-work',
          })
        ).access_token,
        'gho_work2',
      )
    })

    void it('reads API keys for tools that declared the provider', { skip }, async () => {
      const fresh = await fixture.vault
        .forTool([{ provider: 'weather' }])
        .getFreshCredential({ sub: 'alice', provider: 'weather' })
      assert.equal(fresh.api_key, API_KEY)
      await assert.rejects(
        fixture.vault.saveApiKey({
          sub: 'alice',
          provider: 'weather',
          account: 'x',
          apiKey: 'not a key',
        }),
        { code: 'ERR_VAULT_INVALID_INPUT' },
      )
    })

    void it('refuses a provider the tool did not declare', { skip }, async () => {
      await assert.rejects(
        fixture.vault
          .forTool([{ provider: 'weather' }])
          .getFreshCredential({ sub: 'alice', provider: 'github' }),
        { code: 'ERR_VAULT_UNDECLARED_ACCESS' },
      )
    })

    void it(
      'catalogue #200: refuses a scope the tool did not declare, even one the account granted',
      { skip },
      async () => {
        // The account granted `repo read:user`; the tool declared `repo` only.
        const declared = await github(['repo']).getFreshCredential({
          sub: 'alice',
          provider: 'github',
          scopes: ['repo'],
        })
        assert.deepEqual(declared.scopes, ['repo'])
        await assert.rejects(
          github(['repo']).getFreshCredential({
            sub: 'alice',
            provider: 'github',
            scopes: ['read:user'],
          }),
          { code: 'ERR_VAULT_UNDECLARED_ACCESS' },
        )
      },
    )

    void it('refuses when a declared scope was not granted', { skip }, async () => {
      await assert.rejects(
        github(['repo', 'admin:org']).getFreshCredential({ sub: 'alice', provider: 'github' }),
        {
          code: 'ERR_VAULT_INSUFFICIENT_SCOPE',
        },
      )
    })

    void it(
      "catalogue #200: one user never reads or unlinks another user's credential",
      { skip },
      async () => {
        await assert.rejects(github().getFreshCredential({ sub: 'bob', provider: 'github' }), {
          code: 'ERR_VAULT_NOT_LINKED',
        })
        const [aliceCredential] = await fixture.vault.listCredentials('alice')
        await assert.rejects(fixture.vault.unlinkCredential('bob', aliceCredential?.id ?? ''), {
          code: 'ERR_VAULT_NOT_FOUND',
        })
        await assert.rejects(fixture.vault.setDefaultCredential('bob', aliceCredential?.id ?? ''), {
          code: 'ERR_VAULT_NOT_FOUND',
        })
        assert.equal((await fixture.vault.listCredentials('alice')).length, 3)
      },
    )

    void it(
      "catalogue #195: a ciphertext copied to another user's row fails to decrypt",
      { skip },
      async () => {
        await fixture.vault.saveOAuthCredential({
          sub: 'bob',
          provider: 'github',
          account: 'bob-gh',
          tokens: { access_token: 'gho_bob', scope: 'repo' },
        })
        const alice = await store.db
          .selectFrom('vault_credentials')
          .select('secret')
          .where('sub', '=', 'alice')
          .where('account', '=', 'alice-gh')
          .executeTakeFirstOrThrow()
        await store.db
          .updateTable('vault_credentials')
          .set({ secret: alice.secret })
          .where('sub', '=', 'bob')
          .execute()
        await assert.rejects(github().getFreshCredential({ sub: 'bob', provider: 'github' }), {
          code: 'ERR_VAULT_DECRYPT_FAILED',
        })
      },
    )

    void it(
      'catalogue #195: a ciphertext copied to another row of the same user fails to decrypt',
      { skip },
      async () => {
        const main = await store.db
          .selectFrom('vault_credentials')
          .select('secret')
          .where('sub', '=', 'alice')
          .where('account', '=', 'alice-gh')
          .executeTakeFirstOrThrow()
        await store.db
          .updateTable('vault_credentials')
          .set({ secret: main.secret })
          .where('sub', '=', 'alice')
          .where('account', '=', 'alice-work')
          .execute()
        await assert.rejects(
          github().getFreshCredential({ sub: 'alice', provider: 'github', account: 'alice-work' }),
          { code: 'ERR_VAULT_DECRYPT_FAILED' },
        )
      },
    )

    void it(
      'catalogue #189: a stale compare-and-swap loses, and unrelated writes never move the version',
      { skip },
      async () => {
        const read = await store.db
          .selectFrom('vault_credentials')
          .selectAll()
          .where('sub', '=', 'alice')
          .where('account', '=', 'alice-gh')
          .executeTakeFirstOrThrow()
        await touchVaultCredential(store, read.id, Date.now())
        await recordVaultRefreshFailure(store, read.id, 1, Date.now())
        const after = await store.db
          .selectFrom('vault_credentials')
          .selectAll()
          .where('id', '=', read.id)
          .executeTakeFirstOrThrow()
        assert.equal(after.version, read.version)
        const update = {
          secret: 'mv1.1.AA.AA',
          key_version: 1,
          status: 'active' as const,
          scopes: '',
          token_type: 'Bearer',
          expires_at: null,
        }
        assert.equal(await swapVaultSecret(store, read.id, read.version - 1, update), false)
        const unchanged = await store.db
          .selectFrom('vault_credentials')
          .selectAll()
          .where('id', '=', read.id)
          .executeTakeFirstOrThrow()
        assert.equal(unchanged.secret, read.secret)
        assert.equal(unchanged.version, read.version)
      },
    )

    void it('unlinks: the record is gone', { skip }, async () => {
      const [first] = await fixture.vault.listCredentials('bob')
      assert.deepEqual(await fixture.vault.unlinkCredential('bob', first?.id ?? ''), {
        revoked: false,
      })
      assert.deepEqual(await fixture.vault.listCredentials('bob'), [])
      assert.ok(
        fixture.events.some(
          (event) => event.type === 'vault.credential.unlinked' && event.sub === 'bob',
        ),
      )
      assert.equal(JSON.stringify(fixture.events).includes('gho_'), false)
    })

    void it(
      'works with a KMS-style key wrapper (the KEK never enters the vault)',
      { skip },
      async () => {
        // Stands in for a KMS client: wrap/unwrap calls by version, key material held elsewhere.
        const kms = keyRingWrapper({ active: 7, keys: new Map([[7, randomBytes(32)]]) })
        const calls: string[] = []
        const wrapper: KeyWrapper = {
          description: 'kms test-key',
          activeVersion: () => kms.activeVersion(),
          versions: () => kms.versions(),
          wrap: (version, dataKey, aad) => {
            calls.push(`wrap:${String(version)}`)
            return kms.wrap(version, dataKey, aad)
          },
          unwrap: (version, wrapped, aad) => {
            calls.push(`unwrap:${String(version)}`)
            return kms.unwrap(version, wrapped, aad)
          },
        }
        const vault = await openVault({
          store,
          keys: { wrapper },
          catalog: createProviderCatalog({ presets: ['github'] }),
          backgroundRewrap: false,
        })
        try {
          await vault.saveOAuthCredential({
            sub: 'kms-user',
            provider: 'github',
            account: 'k',
            tokens: { access_token: 'gho_kms', scope: 'repo' },
          })
          const fresh = await vault
            .forTool([{ provider: 'github' }])
            .getFreshCredential({ sub: 'kms-user', provider: 'github' })
          assert.equal(fresh.access_token, 'gho_kms')
          assert.deepEqual(calls, ['wrap:7', 'unwrap:7'])
          const row = await store.db
            .selectFrom('vault_credentials')
            .select(['key_version', 'secret'])
            .where('sub', '=', 'kms-user')
            .executeTakeFirstOrThrow()
          assert.equal(row.key_version, 7)
          assert.match(row.secret, /^mv1\.7\./)
        } finally {
          await vault.close()
        }
      },
    )

    void it(
      'catalogue #197: another key file for the same database is refused at start',
      { skip },
      async () => {
        const other = `${dir.path}/other.key`
        createKeyFile(other)
        await assert.rejects(openTestVault(store, other), { code: 'ERR_CONFIGURATION' })
      },
    )
  })
}
