import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { Store } from '@mandate/store'
import { keyFileProvider, keyRingWrapper, openEnvelope } from '@mandate/vault'
import { backends } from '../../../test/support/stores.ts'
import { startTestProvider } from './support/test-provider.ts'
import type { TestProvider } from './support/test-provider.ts'
import { closeAll, expire, linkDemoAccount, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'

const calendar = [{ provider: 'demo', scopes: ['calendar.read'] }]

for (const backend of backends()) {
  void describe(`credential refresh on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    let provider: TestProvider
    let fixture: TestVault
    const dir = tempDir()
    const fresh = (sub: string) =>
      fixture.vault.forTool(calendar).getFreshCredential({ sub, provider: 'demo' })

    before(async () => {
      if (skip !== false) return
      store = await backend.open()
      provider = await startTestProvider()
      fixture = await openTestVault(store, `${dir.path}/master.key`, provider, {
        cooldownBaseMs: 60_000,
      })
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

    void it('returns a valid token without calling the provider', { skip }, async () => {
      await linkDemoAccount(fixture.vault, provider, 'alice')
      const first = await fresh('alice')
      assert.equal((await fresh('alice')).access_token, first.access_token)
      assert.equal(provider.refreshRequests, 0)
    })

    void it(
      'refreshes ahead of expiry and stores the rotated refresh token first',
      { skip },
      async () => {
        const [linked] = await fixture.vault.listCredentials('alice')
        const before = await fresh('alice')
        await expire(store, linked?.id ?? '')
        const after = await fresh('alice')
        assert.notEqual(after.access_token, before.access_token)
        assert.ok((after.expires_at ?? 0) > Date.now() + 3_000_000)
        assert.equal(provider.refreshRequests, 1)
        assert.ok(fixture.events.some((event) => event.type === 'vault.credential.refreshed'))
      },
    )

    void it(
      'catalogue #191: refresh(refresh(x)) always presents the last stored refresh token',
      { skip },
      async () => {
        const [linked] = await fixture.vault.listCredentials('alice')
        for (let round = 0; round < 5; round += 1) {
          await expire(store, linked?.id ?? '')
          await fresh('alice')
        }
        assert.equal(provider.refreshRequests, 6)
        assert.equal(provider.reusedRefreshTokens, 0)
      },
    )

    void it(
      'catalogue #188: concurrent calls for one expired credential make exactly one refresh',
      { skip },
      async () => {
        const [linked] = await fixture.vault.listCredentials('alice')
        await expire(store, linked?.id ?? '')
        const before = provider.refreshRequests
        provider.delayMs = 50
        const results = await Promise.all(Array.from({ length: 200 }, () => fresh('alice')))
        provider.delayMs = 0
        assert.equal(provider.refreshRequests - before, 1)
        assert.equal(new Set(results.map((result) => result.access_token)).size, 1)
        assert.equal(provider.reusedRefreshTokens, 0)
      },
    )

    void it(
      'catalogue #193: a token the provider rejected is refreshed at once, once for all callers',
      { skip },
      async () => {
        await linkDemoAccount(fixture.vault, provider, 'rejected')
        const first = await fresh('rejected')
        const before = provider.refreshRequests
        const report = () =>
          fixture.vault.forTool(calendar).getFreshCredential({
            sub: 'rejected',
            provider: 'demo',
            rejectedAccessToken: first.access_token ?? '',
          })
        const results = await Promise.all(Array.from({ length: 20 }, report))
        assert.equal(provider.refreshRequests - before, 1)
        const replaced = new Set(results.map((result) => result.access_token))
        assert.equal(replaced.size, 1)
        assert.equal(replaced.has(first.access_token), false)
        // Reporting the old token again does not refresh the new one.
        assert.equal((await report()).access_token, results[0]?.access_token)
        assert.equal(provider.refreshRequests - before, 1)
      },
    )

    void it(
      'catalogue #188: two vault instances on one store make exactly one refresh',
      { skip },
      async () => {
        const second = await openTestVault(store, `${dir.path}/master.key`, provider)
        try {
          const [linked] = await fixture.vault.listCredentials('alice')
          await expire(store, linked?.id ?? '')
          const before = provider.refreshRequests
          provider.delayMs = 50
          const results = await Promise.all(
            Array.from({ length: 100 }, (_, index) =>
              (index % 2 === 0 ? fixture : second).vault
                .forTool(calendar)
                .getFreshCredential({ sub: 'alice', provider: 'demo' }),
            ),
          )
          provider.delayMs = 0
          assert.equal(provider.refreshRequests - before, 1)
          assert.equal(new Set(results.map((result) => result.access_token)).size, 1)
        } finally {
          await second.close()
        }
      },
    )

    void it(
      'catalogue #192: a provider outage fails closed, then cools down without hammering',
      { skip },
      async () => {
        const linked = await linkDemoAccount(fixture.vault, provider, 'outage')
        await expire(store, linked.id)
        provider.failing = true
        const before = provider.refreshRequests
        try {
          await assert.rejects(fresh('outage'), (error: { code?: string; retryAfter?: number }) => {
            assert.equal(error.code, 'ERR_VAULT_PROVIDER_UNAVAILABLE')
            assert.ok((error.retryAfter ?? 0) > Date.now())
            return true
          })
          await assert.rejects(fresh('outage'), { code: 'ERR_VAULT_PROVIDER_UNAVAILABLE' })
          await assert.rejects(fresh('outage'), { code: 'ERR_VAULT_PROVIDER_UNAVAILABLE' })
        } finally {
          provider.failing = false
        }
        assert.equal(
          provider.refreshRequests - before,
          0,
          'the 503 is answered before the grant is parsed',
        )
        const [metadata] = await fixture.vault.listCredentials('outage')
        assert.equal(metadata?.status, 'active')
        assert.ok(
          fixture.events.some(
            (event) => event.type === 'vault.credential.refresh_failed' && event.sub === 'outage',
          ),
        )
        // Once the cooldown is over the credential refreshes normally.
        await store.db
          .updateTable('vault_credentials')
          .set({ refresh_blocked_until: Date.now() - 1 })
          .where('id', '=', linked.id)
          .execute()
        assert.ok((await fresh('outage')).access_token)
      },
    )

    void it(
      'catalogue #190: invalid_grant marks the credential needs_reauth, audited, never silently',
      { skip },
      async () => {
        const linked = await linkDemoAccount(fixture.vault, provider, 'revoked')
        await revokeAtProvider(provider, store, linked.id, fixture)
        await expire(store, linked.id)
        await assert.rejects(fresh('revoked'), { code: 'ERR_VAULT_NEEDS_REAUTH' })
        const [metadata] = await fixture.vault.listCredentials('revoked')
        assert.equal(metadata?.status, 'needs_reauth')
        const event = fixture.events.find((entry) => entry.type === 'vault.credential.needs_reauth')
        assert.deepEqual(event, {
          type: 'vault.credential.needs_reauth',
          sub: 'revoked',
          provider: 'demo',
          credential_id: linked.id,
          reason: 'invalid_grant',
        })
        // Linking again makes it usable.
        await linkDemoAccount(fixture.vault, provider, 'revoked')
        assert.ok((await fresh('revoked')).access_token)
      },
    )

    void it(
      'catalogue #202: unlink revokes the grant at the provider (RFC 7009), then deletes',
      { skip },
      async () => {
        const linked = await linkDemoAccount(fixture.vault, provider, 'leaving')
        const token = (await fresh('leaving')).access_token ?? ''
        assert.equal(await introspectActive(provider, token), true)
        assert.deepEqual(await fixture.vault.unlinkCredential('leaving', linked.id), {
          revoked: true,
        })
        assert.equal(await introspectActive(provider, token), false)
        assert.deepEqual(await fixture.vault.listCredentials('leaving'), [])
      },
    )

    void it(
      'catalogue #190: a rotated refresh token that cannot be stored is never used, and the loss is surfaced',
      { skip },
      async () => {
        const linked = await linkDemoAccount(fixture.vault, provider, 'lost')
        await expire(store, linked.id)
        await injectWriteFailure(store, backend.name, true)
        try {
          // The provider rotates, the database refuses the write: the new access token is not handed out.
          await assert.rejects(fresh('lost'), { code: 'ERR_VAULT_PROVIDER_UNAVAILABLE' })
        } finally {
          await injectWriteFailure(store, backend.name, false)
        }
        assert.ok(
          fixture.events.some(
            (event) =>
              event.type === 'vault.credential.refresh_failed' &&
              event.sub === 'lost' &&
              event.reason === 'refresh_token_lost',
          ),
        )
        // The stored refresh token was rotated away: the next refresh flips to needs_reauth, audited.
        await assert.rejects(fresh('lost'), { code: 'ERR_VAULT_NEEDS_REAUTH' })
        const [metadata] = await fixture.vault.listCredentials('lost')
        assert.equal(metadata?.status, 'needs_reauth')
      },
    )
  })
}

// The provider revokes the grant behind the user's back (as when they disconnect the app there).
async function revokeAtProvider(
  provider: TestProvider,
  store: Store,
  id: string,
  fixture: TestVault,
): Promise<void> {
  const row = await store.db
    .selectFrom('vault_credentials')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  const wrapper = keyRingWrapper(await keyFileProvider(fixture.keyFile).load())
  const context = {
    kind: 'credential' as const,
    sub: row.sub,
    provider: row.provider,
    recordId: row.id,
  }
  const secret = JSON.parse(
    Buffer.from(await openEnvelope(wrapper, context, row.secret)).toString(),
  ) as {
    refresh_token: string
  }
  await postForm(provider, '/token/revocation', {
    token: secret.refresh_token,
    token_type_hint: 'refresh_token',
  })
}

// A real database refusing the credential write (as a full disk or a failover would).
async function injectWriteFailure(store: Store, backend: string, on: boolean): Promise<void> {
  const statements =
    backend === 'sqlite'
      ? on
        ? [
            `create trigger inject_write_failure before update on vault_credentials
             when new.version > old.version begin select raise(abort, 'injected write failure'); end`,
          ]
        : ['drop trigger inject_write_failure']
      : on
        ? [
            `create function inject_write_failure() returns trigger language plpgsql as
             $$ begin raise exception 'injected write failure'; end $$`,
            `create trigger inject_write_failure before update on vault_credentials for each row
             when (new.version > old.version) execute function inject_write_failure()`,
          ]
        : [
            'drop trigger inject_write_failure on vault_credentials',
            'drop function inject_write_failure()',
          ]
  for (const statement of statements) await sql.raw(statement).execute(store.db)
}

async function introspectActive(provider: TestProvider, token: string): Promise<boolean> {
  const response = await postForm(provider, '/token/introspection', { token })
  return ((await response.json()) as { active: boolean }).active
}

async function postForm(
  provider: TestProvider,
  path: string,
  body: Record<string, string>,
): Promise<Response> {
  return fetch(`${provider.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...body,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    }),
  })
}
