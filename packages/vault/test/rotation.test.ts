import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { setImmediate, setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import { readKeyFile, retireKeyVersion, rotateKeyFile } from '@mandate/vault'
import { backends } from '../../../test/support/stores.ts'
import { closeAll, openTestVault, tempDir } from './support/vault.ts'
import type { TestVault } from './support/vault.ts'

const USERS = 40

for (const backend of backends()) {
  void describe(`online key rotation on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    let fixture: TestVault
    const dir = tempDir()
    const keyFile = () => `${dir.path}/master.key`
    const read = (vault: TestVault, index: number) =>
      vault.vault
        .forTool([{ provider: 'github', scopes: ['repo'] }])
        .getFreshCredential({ sub: `user-${String(index)}`, provider: 'github' })

    before(async () => {
      if (skip !== false) return
      store = await backend.open()
      // The explicit job is exercised here; the background one has its own test below.
      fixture = await openTestVault(store, keyFile(), undefined, { backgroundRewrap: false })
      for (let index = 0; index < USERS; index += 1) {
        await fixture.vault.saveOAuthCredential({
          sub: `user-${String(index)}`,
          provider: 'github',
          account: 'gh',
          tokens: { access_token: `gho_user${String(index)}`, scope: 'repo' },
        })
      }
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
      'catalogue #196: rotation, re-wrap and retirement under concurrent load lose no request',
      { skip },
      async () => {
        const second = await openTestVault(store, keyFile(), undefined, { backgroundRewrap: false })
        let stop = false
        const failures: unknown[] = []
        let requests = 0
        const worker = async (vault: TestVault, seed: number) => {
          for (let n = seed; !stop; n += 1) {
            // node:sqlite answers synchronously: yield so timers (and the rotation) can run.
            await setImmediate()
            const index = n % USERS
            try {
              if (n % 5 === 0) {
                await vault.vault.saveOAuthCredential({
                  sub: `user-${String(index)}`,
                  provider: 'github',
                  account: 'gh',
                  tokens: { access_token: `gho_user${String(index)}`, scope: 'repo' },
                })
              } else {
                assert.equal((await read(vault, index)).access_token, `gho_user${String(index)}`)
              }
              requests += 1
            } catch (error) {
              failures.push(error)
            }
          }
        }
        const load = Promise.all([
          worker(fixture, 0),
          worker(second, 7),
          worker(fixture, 13),
          worker(second, 21),
        ])
        // Each step runs under live traffic: wait for requests to be served, not for a time.
        const progress = (count: number) => {
          const target = requests + count
          return waitFor(() => requests >= target || failures.length > 0)
        }
        await progress(25)
        const version = await rotateKeyFile(store, keyFile())
        assert.equal(version, 2)
        assert.equal((statSync(keyFile()).mode & 0o777).toString(8), '600')
        await waitFor(
          () => fixture.vault.activeKeyVersion() === 2 && second.vault.activeKeyVersion() === 2,
        )
        await assert.rejects(retireKeyVersion(store, keyFile(), 1), {
          code: 'ERR_VAULT_KEY_IN_USE',
        })
        await assert.rejects(retireKeyVersion(store, keyFile(), 2), {
          code: 'ERR_VAULT_KEY_ACTIVE',
        })
        const report = await fixture.vault.rewrapRecords({ batchSize: 7 })
        assert.equal(report.keyVersion, 2)
        await progress(25)
        // Writes by the load may still be under way; a second pass finds nothing left.
        await fixture.vault.rewrapRecords()
        await retireKeyVersion(store, keyFile(), 1)
        await progress(25)
        stop = true
        await load
        await second.close()
        assert.deepEqual(failures, [])
        assert.deepEqual([...readKeyFile(keyFile()).keys.keys()], [2])
        const versions = await store.db
          .selectFrom('vault_credentials')
          .select('key_version')
          .distinct()
          .execute()
        assert.deepEqual(
          versions.map((row) => row.key_version),
          [2],
        )
        assert.ok(fixture.events.some((event) => event.type === 'vault.key.rewrapped'))
      },
    )

    void it('a restarted instance opens with the retired version gone', { skip }, async () => {
      const restarted = await openTestVault(store, keyFile())
      try {
        for (let index = 0; index < USERS; index += 1) {
          assert.equal((await read(restarted, index)).access_token, `gho_user${String(index)}`)
        }
      } finally {
        await restarted.close()
      }
    })

    void it(
      'an instance that missed the rotation notice still reads records under the new key',
      { skip },
      async () => {
        // A separate store object: on SQLite it shares no in-process notifications with `store`.
        const otherStore = await openStore(backend.options())
        const other = await openTestVault(otherStore, keyFile())
        try {
          const unsubscribe = store.subscribe('vault:keys', () => undefined)
          unsubscribe()
          const version = await rotateKeyFile(store, keyFile())
          await fixture.vault.reloadKeys()
          await fixture.vault.saveOAuthCredential({
            sub: 'late',
            provider: 'github',
            account: 'gh',
            tokens: { access_token: 'gho_late', scope: 'repo' },
          })
          const row = await store.db
            .selectFrom('vault_credentials')
            .select('key_version')
            .where('sub', '=', 'late')
            .executeTakeFirstOrThrow()
          assert.equal(row.key_version, version)
          const credential = await other.vault
            .forTool([{ provider: 'github', scopes: ['repo'] }])
            .getFreshCredential({ sub: 'late', provider: 'github' })
          assert.equal(credential.access_token, 'gho_late')
        } finally {
          await other.close()
          await otherStore.close()
        }
      },
    )

    void it(
      'the background job re-wraps by itself after a rotation, and resumes at start',
      { skip },
      async () => {
        const background = await openTestVault(store, keyFile())
        try {
          const before = background.vault.activeKeyVersion()
          const version = await rotateKeyFile(store, keyFile())
          assert.equal(version, before + 1)
          await waitFor(() => background.vault.activeKeyVersion() === version)
          await waitForAsync(async () => {
            const left = await store.db
              .selectFrom('vault_credentials')
              .select('id')
              .where('key_version', '<>', version)
              .execute()
            return left.length === 0
          })
        } finally {
          await background.close()
        }
        // Records left under an older version (an interrupted job) are picked up at the next start.
        await fixture.vault.reloadKeys()
        await store.db
          .updateTable('vault_credentials')
          .set({ key_version: 1 })
          .where('sub', '=', 'user-0')
          .execute()
        const restarted = await openTestVault(store, keyFile())
        try {
          await waitForAsync(async () => {
            const row = await store.db
              .selectFrom('vault_credentials')
              .select('key_version')
              .where('sub', '=', 'user-0')
              .executeTakeFirstOrThrow()
            return row.key_version !== 1
          })
        } finally {
          await restarted.close()
        }
      },
    )

    void it('never writes key material outside the key file', { skip }, async () => {
      const keys = readKeyFile(keyFile())
      const rows = JSON.stringify(await store.db.selectFrom('mandate_meta').selectAll().execute())
      for (const key of keys.keys.values()) {
        assert.equal(rows.includes(Buffer.from(key).toString('base64url')), false)
      }
      assert.match(readFileSync(keyFile(), 'utf8'), /"active": 4/)
    })
  })
}

// The bounds only guard against a hang; they are generous for a loaded machine.
async function waitFor(condition: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(10)
  }
}

async function waitForAsync(condition: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(20)
  }
}
