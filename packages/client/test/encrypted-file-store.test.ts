import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'

import { ClientError, createEncryptedFileStore, keychainKeySource } from '@mandate/client'
import type { KeychainBackend, ServerCredentials } from '@mandate/client'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mandate-store-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const sample = (token: string): ServerCredentials => ({
  clients: { 'https://as.example': { client_id: 'c1' } },
  tokens: {
    'https://as.example': {
      access_token: token,
      token_type: 'Bearer',
      refresh_token: `r-${token}`,
    },
  },
  latestIssuer: 'https://as.example',
})

void describe('encrypted file credential store', () => {
  void test('round-trips, writes 0600 files and no plaintext token', async () => {
    const path = join(dir, 'a', 'credentials.enc')
    const store = createEncryptedFileStore({ path })
    await store.save('https://mcp.example/mcp', sample('secret-access-token-value'))
    assert.deepEqual(
      await store.load('https://mcp.example/mcp'),
      sample('secret-access-token-value'),
    )
    for (const file of [path, `${path}.key`]) {
      assert.equal((await stat(file)).mode & 0o777, 0o600)
    }
    assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o700)
    const raw = await readFile(path, 'utf8')
    assert.doesNotMatch(raw, /secret-access-token-value|r-secret/)
    await store.delete('https://mcp.example/mcp')
    assert.equal(await store.load('https://mcp.example/mcp'), undefined)
  })

  void test('catalogue #172: a token file readable by group or others is refused', async () => {
    const path = join(dir, 'b', 'credentials.enc')
    const store = createEncryptedFileStore({ path })
    await store.save('s', sample('t'))
    await chmod(path, 0o644)
    await assert.rejects(
      createEncryptedFileStore({ path }).load('s'),
      (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_STORE_PERMISSIONS',
    )
  })

  void test('catalogue #172: a key file readable by others is refused', async () => {
    const path = join(dir, 'c', 'credentials.enc')
    await createEncryptedFileStore({ path }).save('s', sample('t'))
    await chmod(`${path}.key`, 0o604)
    await assert.rejects(
      createEncryptedFileStore({ path }).load('s'),
      (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_STORE_PERMISSIONS',
    )
  })

  void test('catalogue #195: an entry moved to another server key fails authentication', async () => {
    const path = join(dir, 'd', 'credentials.enc')
    const store = createEncryptedFileStore({ path })
    await store.save('https://a.example/mcp', sample('t'))
    const file = JSON.parse(await readFile(path, 'utf8')) as {
      format: string
      entries: Record<string, string>
    }
    file.entries['https://b.example/mcp'] = file.entries['https://a.example/mcp'] ?? ''
    await writeFile(path, JSON.stringify(file), { mode: 0o600 })
    await assert.rejects(
      store.load('https://b.example/mcp'),
      (e) => e instanceof ClientError && e.code === 'ERR_CLIENT_STORE_CORRUPT',
    )
  })

  void test('the key can live in an OS keychain instead of a key file', async () => {
    const secrets = new Map<string, string>()
    const backend: KeychainBackend = {
      getPassword: (service, account) => Promise.resolve(secrets.get(`${service}/${account}`)),
      setPassword: (service, account, password) => {
        secrets.set(`${service}/${account}`, password)
        return Promise.resolve()
      },
    }
    const path = join(dir, 'e', 'credentials.enc')
    await createEncryptedFileStore({ path, keySource: keychainKeySource(backend) }).save(
      's',
      sample('t'),
    )
    assert.equal(secrets.size, 1)
    await assert.rejects(stat(`${path}.key`), { code: 'ENOENT' })
    const again = createEncryptedFileStore({ path, keySource: keychainKeySource(backend) })
    assert.deepEqual(await again.load('s'), sample('t'))
  })
})
