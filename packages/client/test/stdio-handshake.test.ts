import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { Client } from '@modelcontextprotocol/client'
import {
  createHandshakeStdioTransport,
  formatStdioHandshake,
  launchWithHandshake,
} from '@mandate/client'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { CryptoKey } from 'jose'

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/stdio-server.ts')
const resource = 'https://local.mandate.example/stdio/fixture'
let issuer: string
let key: CryptoKey
let otherKey: CryptoKey
const jwks = createServer()

before(async () => {
  otherKey = (await generateKeyPair('ES256')).privateKey
  const pair = await generateKeyPair('ES256', { extractable: true })
  key = pair.privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  jwks.on('request', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`
})
after(async () => {
  jwks.closeAllConnections()
  await new Promise<void>((resolve) =>
    jwks.close(() => {
      resolve()
    }),
  )
})

async function token(
  overrides: { aud?: string; iss?: string; exp?: number; signer?: CryptoKey; cnf?: object } = {},
) {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    scope: 'mcp:read',
    client_id: 'host',
    ...(overrides.cnf ? { cnf: overrides.cnf } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(overrides.iss ?? issuer)
    .setAudience(overrides.aud ?? resource)
    .setSubject('alice')
    .setIssuedAt(now)
    .setExpirationTime(overrides.exp ?? now + 300)
    .sign(overrides.signer ?? key)
}

function serverArgs(): string[] {
  return [
    '--conditions=@mandate/source',
    '--disable-warning=ExperimentalWarning',
    fixture,
    issuer,
    `${issuer}/jwks`,
    resource,
  ]
}

/** Launches the fixture with `accessToken`, sends `initialize`, and reports what happened. */
async function attempt(accessToken: string): Promise<{ exitCode: number | null; stdout: string }> {
  const child = launchWithHandshake({
    command: process.execPath,
    args: serverArgs(),
    accessToken,
    stderr: 'ignore',
  })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '0' } } })}\n`,
  )
  const exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill()
    }, 120_000) // guards a hang only; the child answers or exits on its own
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.stdout.once('data', () => {
      child.stdin.end()
    })
  })
  return { exitCode, stdout }
}

void describe('stdio handshake', () => {
  void test('a valid token: the server answers MCP and knows the caller', async () => {
    const client = new Client({ name: 'stdio-test', version: '0' })
    await client.connect(
      createHandshakeStdioTransport({
        command: process.execPath,
        args: serverArgs(),
        accessToken: await token(),
      }),
    )
    const result = await client.callTool({ name: 'whoami', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'alice' }])
    await client.close()
  })

  void test('the handshake is one JSON line carrying the token', () => {
    assert.equal(
      formatStdioHandshake('abc'),
      '{"mandate":"stdio-handshake/1","access_token":"abc"}\n',
    )
  })

  const cases: [string, () => Promise<string>][] = [
    [
      'catalogue #90: a token for another audience',
      () => token({ aud: 'https://other.example/mcp' }),
    ],
    ['an expired token', () => token({ exp: Math.floor(Date.now() / 1000) - 600 })],
    ['a token signed by another key', async () => token({ signer: otherKey })],
    ['a token from an untrusted issuer', () => token({ iss: 'https://evil.example' })],
    [
      'a DPoP-bound token (no proof possible over stdio)',
      () => token({ cnf: { jkt: 'x'.repeat(43) } }),
    ],
  ]
  for (const [name, make] of cases) {
    void test(`refuses to serve with ${name}`, async () => {
      const { exitCode, stdout } = await attempt(await make())
      assert.equal(exitCode, 3)
      assert.equal(stdout, '')
    })
  }

  void test('refuses to serve when the first line is an MCP message instead of a handshake', async () => {
    const { spawn } = await import('node:child_process')
    const child = spawn(process.execPath, serverArgs(), { stdio: ['pipe', 'pipe', 'ignore'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })}\n`)
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
    assert.equal(code, 3)
    assert.equal(stdout, '')
  })
})
