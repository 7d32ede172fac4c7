import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../../../test/support/cli.ts'

const dirs: string[] = []
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-ops-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('mandate keys', () => {
  it('rotates to a new version, keeps the file private, and retires the old one', async () => {
    const dir = freshDir()
    const rotated = await runCli(['keys', 'rotate', '--data-dir', dir])
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.match(rotated.stdout, /added key version 2/)
    const keyFile = join(dir, 'master.key')
    assert.equal(statSync(keyFile).mode & 0o777, 0o600)
    const content = JSON.parse(readFileSync(keyFile, 'utf8')) as { active: number; keys: unknown[] }
    assert.equal(content.active, 2)
    assert.equal(content.keys.length, 2)
    for (const key of content.keys as { key: string }[]) {
      assert.ok(!rotated.stdout.includes(key.key) && !rotated.stderr.includes(key.key))
    }

    const activeRetire = await runCli(['keys', 'retire', '2', '--data-dir', dir])
    assert.equal(activeRetire.code, 1)
    assert.match(activeRetire.stderr, /^mandate: .*active/m)

    const retired = await runCli(['keys', 'retire', '1', '--data-dir', dir])
    assert.equal(retired.code, 0, retired.stderr)
    const after = JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { version: number }[] }
    assert.deepEqual(
      after.keys.map((k) => k.version),
      [2],
    )
    // The database still opens with the rotated file.
    assert.equal((await runCli(['migrate', '--data-dir', dir])).code, 0)
  })

  it('refuses file rotation when the key ring comes from the environment', async () => {
    const key = Buffer.alloc(32, 7).toString('base64url')
    const result = await runCli(['keys', 'rotate', '--data-dir', freshDir()], {
      env: { MANDATE_MASTER_KEY: key },
    })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /MANDATE_MASTER_KEY/)
    assert.ok(!result.stderr.includes(key))
  })
})

describe('mandate users', () => {
  it('adds a user with the password from standard input, never from arguments', async () => {
    const dir = freshDir()
    const added = await runCli(['users', 'add', 'alice', '--data-dir', dir], {
      stdin: 'correct horse battery staple\n',
    })
    assert.equal(added.code, 0, added.stderr)
    assert.doesNotMatch(added.stdout + added.stderr, /correct horse/)
    const listed = await runCli(['users', 'list', '--data-dir', dir])
    assert.match(listed.stdout, /^alice\s+active\s+no-mfa$/m)

    assert.equal((await runCli(['users', 'disable', 'alice', '--data-dir', dir])).code, 0)
    assert.match((await runCli(['users', 'list', '--data-dir', dir])).stdout, /^alice\s+disabled/m)
  })

  it('refuses a short password with one line', async () => {
    const result = await runCli(['users', 'add', 'bob', '--data-dir', freshDir()], {
      stdin: 'short\n',
    })
    assert.equal(result.code, 1)
    assert.match(result.stderr.trim(), /^mandate: password must have at least \d+ characters$/)
  })

  it('has no --password flag', async () => {
    const result = await runCli(['users', 'add', 'carol', '--password', 'hunter2hunter2'])
    assert.notEqual(result.code, 0)
    assert.doesNotMatch(result.stdout, /added/)
  })
})
