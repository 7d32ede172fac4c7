import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { randomInt } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { Store } from '@mandate/store'
import { VaultError } from '@mandate/vault'
import type { TestBackend } from '../../../../test/support/stores.ts'
import { startTestProvider } from './test-provider.ts'
import type { TestProvider } from './test-provider.ts'
import { closeAll, expire, linkDemoAccount, openTestVault, tempDir } from './vault.ts'
import type { TestVault } from './vault.ts'
import { startWorker } from './workers.ts'

// kill -9 at random points of the refresh path. MANDATE_CRASH_ITERATIONS overrides the count;
// by default 200 under CI on PostgreSQL (a dead holder's lock is released at once) and a fifth
// of that on SQLite (a dead holder's lease takes 5 s to expire); few locally.
const CI = process.env['CI'] !== undefined && process.env['CI'] !== ''
const ITERATIONS = Number(process.env['MANDATE_CRASH_ITERATIONS'] ?? (CI ? 200 : 10))
const USERS = ['u1', 'u2', 'u3', 'u4']

/**
 * The crash suite for one backend, or one shard of it (`shard` of `shards`, each on its own
 * schema or file): files run in parallel, so the kills of a backend are split across shards.
 */
export function crashSuite(backend: TestBackend, { shard = 1, shards = 1 } = {}): void {
  const total = backend.name === 'sqlite' ? Math.max(5, Math.ceil(ITERATIONS / 5)) : ITERATIONS
  const iterations = Math.ceil(total / shards)
  void describe(`crash safety of refresh on ${backend.name} (${String(shard)}/${String(shards)})`, async () => {
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
      for (const sub of USERS) await linkDemoAccount(fixture.vault, provider, sub)
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
      `${String(iterations)} kill -9 during refreshes: every credential usable or needs_reauth, no plaintext anywhere`,
      { skip, timeout: 900_000 },
      async () => {
        provider.delayMs = 40
        let output = ''
        let relinked = 0
        const config = {
          mode: 'loop' as const,
          store: backend.options(),
          keys: readFileSync(fixture.keyFile, 'utf8'),
          provider: provider.definition(),
          subs: USERS,
          // Longer than the token lifetime: every call refreshes.
          refreshMarginMs: 10 * 3_600_000,
        }
        const startRefreshes = provider.refreshRequests
        // The next worker boots while the current one runs (two instances on one database).
        let next = startWorker(config)
        try {
          for (let iteration = 0; iteration < iterations; iteration += 1) {
            const worker = next
            next = startWorker(config)
            try {
              await worker.nextMessage()
              // Once it has completed a call (it holds no stale lease), kill it mid-flight.
              await worker.nextMessage()
              await sleep(randomInt(0, 150))
            } finally {
              worker.child.kill('SIGKILL')
              await worker.exited
              output += worker.output()
            }
            // A refresh killed after the provider rotated but before the write loses the new
            // refresh token: the next attempt marks the credential needs_reauth. The user links
            // again, and the loop goes on with live credentials.
            for (const sub of USERS) {
              const [metadata] = await fixture.vault.listCredentials(sub)
              if (metadata?.status === 'needs_reauth') {
                relinked += 1
                await linkDemoAccount(fixture.vault, provider, sub)
              }
            }
          }
        } finally {
          next.child.kill('SIGKILL')
          await next.exited
          output += next.output()
        }
        provider.delayMs = 0
        assert.ok(
          provider.refreshRequests - startRefreshes >= iterations / 2,
          'the kills hit refreshes',
        )

        // None lost or corrupted: every record is there and decrypts; each is usable (a forced
        // refresh with the stored refresh token succeeds) or needs the user to link again.
        const outcome = { usable: 0, needs_reauth: 0 }
        for (const sub of USERS) {
          const [metadata] = await fixture.vault.listCredentials(sub)
          assert.ok(metadata !== undefined, `credential of ${sub} lost`)
          if (metadata.status === 'active') await expire(store, metadata.id)
          try {
            const credential = await fixture.vault
              .forTool([{ provider: 'demo' }])
              .getFreshCredential({ sub, provider: 'demo' })
            assert.ok(provider.issued.has(credential.access_token ?? ''))
            outcome.usable += 1
          } catch (error) {
            assert.ok(error instanceof VaultError, String(error))
            assert.equal(error.code, 'ERR_VAULT_NEEDS_REAUTH')
            outcome.needs_reauth += 1
          }
        }
        assert.equal(outcome.usable + outcome.needs_reauth, USERS.length)
        process.stderr.write(
          `crash test on ${backend.name}: ${String(iterations)} kills, ${String(provider.refreshRequests - startRefreshes)} refreshes, ${String(relinked)} relinked, end ${JSON.stringify(outcome)}\n`,
        )

        const options = backend.options()
        const stored = await storedBytes(
          store,
          options.kind === 'sqlite' ? options.filename : undefined,
        )
        assert.ok(provider.issued.size > USERS.length * 2)
        for (const token of provider.issued) {
          assert.equal(stored.includes(token), false, 'a plaintext token is in the database')
          assert.equal(output.includes(token), false, 'a plaintext token is in a log')
        }
      },
    )
  })
}

/** The database as bytes: the SQLite files (with WAL), or every row of the vault's tables. */
async function storedBytes(store: Store, filename?: string): Promise<string> {
  if (filename !== undefined) {
    return ['', '-wal', '-shm']
      .map((suffix) => `${filename}${suffix}`)
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'))
      .join('\n')
  }
  const tables = ['vault_credentials', 'vault_provider_secrets', 'mandate_meta', 'lock_leases']
  const dumps = await Promise.all(
    tables.map((table) =>
      sql<{ row: string }>`select row_to_json(t)::text as row from ${sql.table(table)} t`.execute(
        store.db,
      ),
    ),
  )
  return dumps.flatMap((dump) => dump.rows.map((row) => row.row)).join('\n')
}
