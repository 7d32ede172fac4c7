// `mandate run -- <server>`: sign in for a local server's resource, start it with the stdio
// handshake, then relay MCP. Real oidc-provider, real child processes.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import type { OidcMcp } from './support/oidc-mcp.ts'
import { headlessOidcUser, startOidcMcp } from './support/oidc-mcp.ts'

const here = dirname(fileURLToPath(import.meta.url))
const resource = 'https://local.mandate.example/stdio/fixture'
const node = ['--conditions=@mandate/source', '--disable-warning=ExperimentalWarning']
let env: OidcMcp
before(async () => {
  env = await startOidcMcp([resource])
})
after(async () => {
  await env.close()
})

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

void describe('mandate run', () => {
  void test('signs in, starts the server with the handshake on stdin, relays MCP', async () => {
    const child = spawn(
      process.execPath,
      [
        ...node,
        join(here, 'fixtures/run-cli.ts'),
        '--authorization-server',
        env.issuer,
        '--resource',
        resource,
        '--scope',
        'mcp:read',
        '--no-browser',
        '--allow-loopback',
        '--store',
        'memory',
        '--',
        process.execPath,
        ...node,
        join(here, 'fixtures/stdio-server.ts'),
        env.issuer,
        `${env.issuer}/jwks`,
        resource,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let stderr = ''
    let stdout = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))

    const raw = await until(
      () => /https?:\/\/127\.0\.0\.1:\d+\/auth\?\S+/.exec(stderr)?.[0],
      'the sign-in URL',
    )
    const url = new URL(raw)
    assert.equal(url.searchParams.get('resource'), resource)
    const redirect = url.searchParams.get('redirect_uri') ?? ''
    const params = await headlessOidcUser(redirect).authorize({
      url,
      state: '',
      reason: 'initial',
      serverUrl: '',
    })
    await (await fetch(`${redirect}?${params.toString()}`)).text()
    await until(() => (stderr.includes('starting') ? true : undefined), 'the server to start')

    const send = (message: object): void => {
      child.stdin.write(`${JSON.stringify(message)}\n`)
    }
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'host', version: '0' },
      },
    })
    await until(() => (stdout.includes('"id":1') ? true : undefined), 'initialize result')
    send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } })
    await until(() => (stdout.includes('"id":2') ? true : undefined), 'tools/call result')
    assert.match(stdout, /"text":"alice"/)
    assert.doesNotMatch(stderr + stdout, /eyJ[\w-]+\.eyJ/, 'no token in any output')

    child.stdin.end()
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    assert.equal(code, 0)
  })
})
