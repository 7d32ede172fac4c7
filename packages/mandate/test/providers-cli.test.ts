// The operator's sequence with real processes (issue 13, "Providers in mandate serve"):
// `providers add github` with the secret in a file → `providers list` → `serve` → the linking
// page lists GitHub → stop → `providers remove github` → `serve` → not listed. The client
// secret never appears in any output, log line or the database file in clear.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { collect, runCli, spawnCli, waitForListening } from '../../../test/support/cli.ts'
import type { CliResult } from '../../../test/support/cli.ts'
import { BrowserAgent, parseForm } from '../../authorization-server/test/support/browser-agent.ts'

const PASSWORD = 'correct horse battery staple'

void describe('mandate providers (operator sequence)', () => {
  void it('add → list → serve lists GitHub → remove → serve does not; the secret stays sealed', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-providers-'))
    t.after(() => {
      rmSync(dir, { recursive: true, force: true })
    })
    const data = join(dir, 'data')
    const secret = `ghsecret_${randomBytes(20).toString('hex')}`
    const secretFile = join(dir, 'github-secret')
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
    const outputs: string[] = []
    const run = async (args: string[], stdin?: string): Promise<CliResult> => {
      const result = await runCli(
        [...args, '--data-dir', data],
        stdin === undefined ? {} : { stdin },
      )
      outputs.push(result.stdout, result.stderr)
      return result
    }

    const added = await run([
      'providers',
      'add',
      'github',
      '--client-id',
      'Iv1.operator',
      '--client-secret-file',
      secretFile,
    ])
    assert.equal(added.code, 0, added.stderr)
    assert.match(added.stdout, /^added provider github/m)
    const listed = await run(['providers', 'list'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(
      listed.stdout,
      /^github\s+GitHub\s+oauth2\s+database\s+client_id=Iv1\.operator client registration sealed$/m,
    )
    assert.equal((await run(['users', 'add', 'alice'], `${PASSWORD}\n`)).code, 0)

    const first = await offeredProviders(t, data, outputs)
    assert.match(first, /<li>\s*<span translate="no">GitHub<\/span\s*>/)

    const removed = await run(['providers', 'remove', 'github'])
    assert.equal(removed.code, 0, removed.stderr)
    assert.match((await run(['providers', 'list'])).stdout, /^$/)
    const again = await run(['providers', 'remove', 'github'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /^mandate: no registered provider "github"$/m)

    const second = await offeredProviders(t, data, outputs)
    assert.doesNotMatch(second, /GitHub/)
    assert.match(second, /This server offers no third-party services/) // the page did render

    for (const output of outputs) assert.ok(!output.includes(secret), 'secret in CLI output')
    for (const file of readdirSync(data)) {
      if (!file.startsWith('mandate.db')) continue
      assert.ok(!readFileSync(join(data, file)).includes(secret), `secret in clear in ${file}`)
    }
  })

  void it('refuses a secret on the command line and an unknown preset', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-providers-'))
    t.after(() => {
      rmSync(dir, { recursive: true, force: true })
    })
    const flag = await runCli([
      'providers',
      'add',
      'github',
      '--client-secret',
      'x',
      '--data-dir',
      dir,
    ])
    assert.equal(flag.code, 1)
    assert.match(flag.stderr, /unknown flag "--client-secret"/)
    const unknown = await runCli([
      'providers',
      'add',
      'gitbub',
      '--client-id',
      'a',
      '--data-dir',
      dir,
    ])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /"gitbub" is not a preset/)
    // Control: the same command with a preset and the secret on stdin works.
    const ok = await runCli(['providers', 'add', 'gitlab', '--client-id', 'a', '--data-dir', dir], {
      stdin: 'gitlab-secret-value\n',
    })
    assert.equal(ok.code, 0, ok.stderr)
    assert.ok(!(ok.stdout + ok.stderr).includes('gitlab-secret-value'))
  })
})

/** Starts `mandate serve`, signs alice in, reads /connect/accounts, stops the server. */
async function offeredProviders(t: TestContext, data: string, outputs: string[]): Promise<string> {
  const child = spawnCli(['serve', '--port', '0', '--demo', 'false', '--data-dir', data])
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })
  let log = ''
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer | string) => (log += chunk.toString()))
  const { url } = await waitForListening(child)
  const accounts = new URL('/connect/accounts', url).href
  const agent = new BrowserAgent()
  let step = await agent.follow(
    new URL(`/account/sign-in?return_to=${encodeURIComponent('/connect/accounts')}`, url).href,
    accounts,
  )
  const form = parseForm(step.html ?? '', '/login')
  step = await agent.follow(new URL(form.action, url).href, accounts, {
    form: { ...form.fields, username: 'alice', password: PASSWORD },
  })
  assert.equal(step.location, accounts, 'signed in and sent back to the accounts page')
  const response = await agent.request(accounts)
  assert.equal(response.status, 200)
  const html = await response.text()
  const exited = collect(child)
  child.kill('SIGTERM')
  assert.equal((await exited).code, 0)
  outputs.push(log)
  return html
}
