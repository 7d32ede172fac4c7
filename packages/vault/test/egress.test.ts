import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createSsrfSafeFetch, NetError } from '@mandate/core/node'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { startTestProvider } from './support/test-provider.ts'
import type { TestProvider } from './support/test-provider.ts'
import { closeAll, expire, linkDemoAccount, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'

const calendar = [{ provider: 'demo', scopes: ['calendar.read'] }]

// The test provider listens on loopback, so the linking vault uses the development options; the
// strict vault is what production runs (catalogue #201).
for (const backend of backends()) {
  void describe(`provider egress through the SSRF-safe fetch on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    let provider: TestProvider
    let dev: TestVault
    let strict: TestVault
    const dir = tempDir()

    before(async () => {
      if (skip !== false) return
      store = await backend.open()
      provider = await startTestProvider()
      const keyFile = `${dir.path}/master.key`
      dev = await openTestVault(store, keyFile, provider, {
        fetch: createSsrfSafeFetch({ dangerouslyAllowHttp: true, dangerouslyAllowLoopback: true }),
      })
      strict = await openTestVault(store, keyFile, provider, {
        fetch: createSsrfSafeFetch({ dangerouslyAllowHttp: true }),
      })
    })
    after(async () => {
      if (skip === false) {
        await closeAll(
          () => strict.close(),
          () => dev.close(),
          () => provider.close(),
          () => store.close(),
          () => backend.cleanup(),
        )
      }
      dir.remove()
    })

    void it('links and refreshes through the pinned fetch', { skip }, async () => {
      await linkDemoAccount(dev.vault, provider, 'alice')
      const [linked] = await dev.vault.listCredentials('alice')
      await expire(store, linked?.id ?? '')
      const fresh = await dev.vault
        .forTool(calendar)
        .getFreshCredential({ sub: 'alice', provider: 'demo' })
      assert.ok((fresh.access_token ?? '').length > 0)
      assert.equal(provider.refreshRequests, 1)
    })

    void it(
      'catalogue #201: a refresh to a special-use token endpoint is refused before any request',
      { skip },
      async () => {
        const [linked] = await strict.vault.listCredentials('alice')
        await expire(store, linked?.id ?? '')
        const before = provider.refreshRequests
        await assert.rejects(
          strict.vault.forTool(calendar).getFreshCredential({ sub: 'alice', provider: 'demo' }),
          (error: unknown) => {
            let cause: unknown = error
            while (cause instanceof Error && !(cause instanceof NetError)) cause = cause.cause
            return cause instanceof NetError && cause.code === 'ERR_NET_BLOCKED'
          },
        )
        assert.equal(provider.refreshRequests, before)
      },
    )
  })
}
