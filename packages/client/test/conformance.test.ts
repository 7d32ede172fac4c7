// Runs the MCP conformance suite's client scenarios against test/conformance/client, the entry
// point built on @mandate/client. Expected: every scenario listed here passes with 0 failures.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const entry = join(root, 'test/conformance/client')
const harness = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json')),
  'dist/index.js',
)

let output: string
before(async () => {
  output = await mkdtemp(join(tmpdir(), 'mandate-conformance-'))
})
after(async () => {
  await rm(output, { recursive: true, force: true })
})

async function run(args: string[]): Promise<{ code: number | null; text: string }> {
  const child = spawn(
    process.execPath,
    // The harness runs a suite's scenarios at once, each a fresh client process: its 30 s
    // default per scenario is too short on a loaded 2-core machine; a timeout only stops a hang.
    [harness, 'client', '--command', entry, '--timeout', '300000', '-o', output, ...args],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    },
  )
  let text = ''
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const code = await new Promise<number | null>((done) => child.on('close', done))
  return { code, text }
}

void describe('MCP conformance, client scenarios', () => {
  void test('the whole auth suite passes', async () => {
    const { code, text } = await run(['--suite', 'auth'])
    const total = /Total: (\d+) passed, (\d+) failed/.exec(text)
    assert.ok(total, 'suite summary printed')
    assert.equal(total[2], '0', 'no failed checks')
    assert.doesNotMatch(text, /✗/u)
    assert.equal(code, 0)
  })

  for (const scenario of [
    'initialize',
    'tools_call',
    'elicitation-sep1034-client-defaults',
    'auth/2025-03-26-oauth-metadata-backcompat',
    'auth/2025-03-26-oauth-endpoint-fallback',
    'auth/resource-mismatch',
    'auth/offline-access-scope',
    'auth/offline-access-not-supported',
    // Authorization extensions (issue 17): client credentials and Enterprise-Managed
    // Authorization (test/conformance/client-extensions.ts).
    'auth/client-credentials-jwt',
    'auth/client-credentials-basic',
    'auth/cross-app-access-complete-flow',
  ]) {
    void test(`scenario ${scenario} passes`, async () => {
      const { code, text } = await run(['--scenario', scenario])
      const passed = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(text)
      assert.ok(passed, 'result line printed')
      assert.equal(passed[3], '0', `no failed checks:\n${text.slice(-2000)}`)
      assert.equal(passed[1], passed[2])
      assert.equal(code, 0)
    })
  }
})
