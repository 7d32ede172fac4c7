import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { Store } from '@mandate/store'
import { postgresBackend } from '../../../test/support/stores.ts'
import { startTestProvider } from './support/test-provider.ts'
import type { TestProvider } from './support/test-provider.ts'
import { closeAll, expire, linkDemoAccount, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'
import { startWorker } from './support/workers.ts'

const CALLS_PER_PROCESS = 500

void describe('refresh across processes on postgres', async () => {
  const backend = postgresBackend()
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
    `catalogue #188, #189: ${String(2 * CALLS_PER_PROCESS)} concurrent calls in two processes make exactly one refresh`,
    { skip },
    async () => {
      const linked = await linkDemoAccount(fixture.vault, provider, 'alice')
      await expire(store, linked.id)
      provider.delayMs = 100
      const config = {
        mode: 'burst' as const,
        store: backend.options(),
        keys: readFileSync(fixture.keyFile, 'utf8'),
        provider: provider.definition(),
        subs: ['alice'],
        calls: CALLS_PER_PROCESS,
      }
      const workers = [startWorker(config), startWorker(config)]
      try {
        for (const worker of workers) assert.deepEqual(await worker.nextMessage(), { ready: true })
        for (const worker of workers) worker.child.stdin?.write('go\n')
        const results = await Promise.all(workers.map((worker) => worker.nextMessage()))
        for (const result of results) {
          assert.deepEqual(result['errors'], [])
          assert.equal(result['ok'], CALLS_PER_PROCESS)
          assert.equal(result['distinct'], 1)
        }
        assert.equal(
          results[0]?.['digest'],
          results[1]?.['digest'],
          'both processes got the same token',
        )
        assert.equal(provider.refreshRequests, 1)
        assert.equal(provider.reusedRefreshTokens, 0)
        for (const worker of workers) {
          for (const token of provider.issued) assert.equal(worker.output().includes(token), false)
        }
      } finally {
        for (const worker of workers) worker.child.kill('SIGKILL')
        await Promise.all(workers.map((worker) => worker.exited))
      }
    },
  )
})
