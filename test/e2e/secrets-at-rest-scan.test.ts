// Issue 11: after a scripted session (DCR client with a secret, sign-in, code, tokens, refresh,
// a connect link), no secret the session saw is in clear in the SQLite files (database, WAL)
// or in anything the server printed.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import { scriptedSession } from './support/scripted-session.ts'
import type { SessionSecrets } from './support/scripted-session.ts'

/** Names of the secrets found in `haystack` (as text, or as their base64url/hex forms). */
function found(secrets: SessionSecrets, haystack: Buffer): string[] {
  return [...secrets]
    .filter(
      ([, value]) =>
        haystack.includes(value) || haystack.includes(Buffer.from(value).toString('hex')),
    )
    .map(([name]) => name)
}

void describe('secrets at rest and in output after a session (issue 11)', () => {
  const dir = tempDir('mandate-e2e-scan-')
  let serve: MandateProcess
  let secrets: SessionSecrets
  let wal: Buffer = Buffer.alloc(0)
  before(async () => {
    const dataDir = ['--data-dir', dir.path]
    await addUsers(dataDir, ['scan'])
    serve = await startServe(dataDir)
    secrets = await scriptedSession(serve, 'scan')
    // Read the write-ahead log while the server runs (it is checkpointed away on close).
    const walPath = join(dir.path, 'mandate.db-wal')
    if (existsSync(walPath)) wal = readFileSync(walPath)
    await serve.stop()
  })
  after(() => {
    dir.remove()
  })

  void it('positive control: the scan finds a secret that is there', () => {
    const planted = Buffer.from(`xx${secrets.get('connect link id') ?? ''}yy`)
    assert.deepEqual(found(secrets, planted), ['connect link id'])
  })

  void it('issue 11: the database files hold no client secret, code, token, password or connect-link id in clear', () => {
    const files = ['mandate.db', 'mandate.db-wal', 'mandate.db-shm'].map((name) =>
      join(dir.path, name),
    )
    const bytes = Buffer.concat([
      wal,
      ...files.filter(existsSync).map((path) => readFileSync(path)),
    ])
    assert.ok(bytes.length > 0)
    assert.deepEqual(found(secrets, bytes), [])
  })

  void it('issue 11: nothing the server printed holds any of them', () => {
    assert.deepEqual(found(secrets, Buffer.from(serve.output())), [])
  })
})
