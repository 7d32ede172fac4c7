import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { it } from 'node:test'

const root = fileURLToPath(new URL('../../../', import.meta.url))

// The MCP conformance suite's server scenarios against the notes example in its unauthenticated
// test mode (test/conformance/server), with the documented baseline of expected failures.
void it('passes the MCP conformance server scenarios', { timeout: 240_000 }, async () => {
  const server = spawn(
    process.execPath,
    [
      '--conditions=@mandate/source',
      '--disable-warning=ExperimentalWarning',
      `${root}test/conformance/start-conformance-server.ts`,
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  try {
    const [line] = (await once(server.stdout, 'data')) as [Buffer]
    const url = /http:\/\/localhost:\d+\/mcp/.exec(line.toString())?.[0]
    assert.ok(url, 'the conformance server printed its URL')
    const suite = spawn(
      process.execPath,
      [
        `${root}node_modules/@modelcontextprotocol/conformance/dist/index.js`,
        'server',
        '--url',
        url,
        '--expected-failures',
        `${root}test/conformance/expected-failures.yaml`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    suite.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    suite.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const [code] = (await once(suite, 'exit')) as [number | null]
    const summary = output.slice(output.indexOf('=== SUMMARY ==='))
    assert.equal(code, 0, summary)
    assert.match(summary, /Total: \d+ passed, 0 failed/)
  } finally {
    server.kill('SIGTERM')
    await once(server, 'exit')
  }
})
