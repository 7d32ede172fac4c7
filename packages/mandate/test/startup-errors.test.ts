import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { runCli } from '../../../test/support/cli.ts'
import type { CliResult } from '../../../test/support/cli.ts'

// Each way of starting badly gives one actionable line on stderr and a non-zero exit, before
// anything listens.
const dirs: string[] = []
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-cli-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.notEqual(result.code, 0)
  const lines = result.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`)
  assert.match(lines[0]!, /^mandate: /)
  assert.match(lines[0]!, pattern)
}

describe('mandate serve refuses to start', () => {
  it('on an unknown configuration key, naming it', async () => {
    const dir = freshDir()
    writeFileSync(join(dir, 'mandate.json'), JSON.stringify({ server: { prot: 80 } }))
    const result = await runCli(['serve', '--config', join(dir, 'mandate.json'), '--data-dir', dir])
    assertOneLineError(result, /unknown configuration key "server\.prot"/)
  })

  it('on an invalid value, naming the key and where it came from', async () => {
    const dir = freshDir()
    const result = await runCli(['serve', '--data-dir', dir], { env: { MANDATE_PORT: 'eighty' } })
    assertOneLineError(result, /server\.port: .*\(from MANDATE_PORT\)/)
  })

  it('on a port out of range given as a flag', async () => {
    const result = await runCli(['serve', '--data-dir', freshDir(), '--port', '70000'])
    assertOneLineError(result, /server\.port: .*\(from --port\)/)
  })

  it('on an unknown MANDATE_ variable', async () => {
    const result = await runCli(['serve', '--data-dir', freshDir()], { env: { MANDATE_PROT: '1' } })
    assertOneLineError(result, /unknown environment variable MANDATE_PROT/)
  })

  it('on an unknown flag', async () => {
    const result = await runCli(['serve', '--prot', '1'])
    assertOneLineError(result, /--prot/)
  })

  it('when exposed off loopback without an https public URL', async () => {
    const result = await runCli([
      'serve',
      '--data-dir',
      freshDir(),
      '--host',
      '0.0.0.0',
      '--port',
      '0',
    ])
    assertOneLineError(result, /server\.publicUrl is required/)
  })

  it('on an unreachable PostgreSQL URL, without printing its password', async () => {
    const result = await runCli([
      'serve',
      '--data-dir',
      freshDir(),
      '--database',
      'postgres://mandate:hunter2-secret@127.0.0.1:1/mandate',
    ])
    assertOneLineError(result, /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/mandate/)
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/)
  })

  it('on a key file readable by others', async () => {
    const dir = freshDir()
    assert.equal((await runCli(['migrate', '--data-dir', dir])).code, 0)
    chmodSync(join(dir, 'master.key'), 0o644)
    const result = await runCli(['serve', '--data-dir', dir, '--port', '0'])
    assertOneLineError(
      result,
      /master\.key is accessible to other users \(mode 644\); run: chmod 600/,
    )
  })

  it('on a key that does not match the data, without printing either key', async () => {
    const dir = freshDir()
    assert.equal((await runCli(['migrate', '--data-dir', dir])).code, 0)
    const original = readFileSync(join(dir, 'master.key'), 'utf8')
    const other = freshDir()
    assert.equal((await runCli(['migrate', '--data-dir', other])).code, 0)
    const wrong = readFileSync(join(other, 'master.key'), 'utf8')
    writeFileSync(join(dir, 'master.key'), wrong, { mode: 0o600 })
    const result = await runCli(['serve', '--data-dir', dir, '--port', '0'])
    assertOneLineError(result, /master key version 1 does not match/)
    for (const content of [original, wrong]) {
      const key = (JSON.parse(content) as { keys: { key: string }[] }).keys[0]!.key
      assert.ok(!result.stderr.includes(key) && !result.stdout.includes(key))
    }
  })

  it('on a malformed key file, without quoting it', async () => {
    const dir = freshDir()
    writeFileSync(join(dir, 'master.key'), '{"format": "mandate-keys/1", "keys": [SECRETBYTES', {
      mode: 0o600,
    })
    const result = await runCli(['serve', '--data-dir', dir, '--port', '0'])
    assertOneLineError(result, /not valid JSON/)
    assert.doesNotMatch(result.stderr, /SECRETBYTES/)
  })
})

describe('mandate gateway refuses to start', () => {
  it('when the authorization server cannot be reached, and exits (no listener left behind)', async () => {
    const dir = freshDir()
    const probe = createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    writeFileSync(join(dir, 'gateway.secret'), 'not-a-real-secret-0123456789abcdef', {
      mode: 0o600,
    })
    const config = {
      server: { port: 0 },
      gateway: {
        issuer: `http://127.0.0.1:${String(closedPort)}`,
        clientSecretFile: join(dir, 'gateway.secret'),
        revocation: { feed: false },
        upstreams: [
          {
            name: 'notes',
            transport: { type: 'http', url: 'http://127.0.0.1:9/mcp' },
            credential: {
              kind: 'exchange',
              resource: 'http://127.0.0.1:9/mcp',
              scopes: ['notes:read'],
            },
            policy: [{ action: 'allow' }],
          },
        ],
      },
    }
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(config))
    // Killed after 60 s only if it hangs: a listener left open keeps the process alive.
    const result = await runCli(['gateway', '--config', join(dir, 'gateway.json')], {
      timeoutMs: 60_000,
    })
    assert.equal(result.code, 1, 'it exits by itself')
    assertOneLineError(
      result,
      new RegExp(`cannot reach http://127\\.0\\.0\\.1:${String(closedPort)}`),
    )
    assert.doesNotMatch(result.stderr, /not-a-real-secret/)
  })
})
