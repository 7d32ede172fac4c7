// Two `mandate serve` processes sharing one PostgreSQL schema behind one public origin: a
// front proxy (this test) sends the browser to instance A and the MCP client (discovery,
// registration, token, refresh, /mcp) to instance B. A code issued by A is redeemed at B, B
// verifies tokens signed with keys from the shared store, and refresh works there.
import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
} from '@mandate/client'
import type { LoopbackAuthorizer } from '@mandate/client'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../support/postgres.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

const pgSkip = await postgresSkipReason()
const skip = chromiumSkip === false ? pgSkip : chromiumSkip

/** Forwards each request to A when it comes from Chromium, to B otherwise; counts both. */
function frontProxy(pick: () => { a: URL; b: URL }) {
  const seen = { a: 0, b: 0 }
  const server = createServer((req, res) => {
    const fromBrowser = /Chrome/.test(req.headers['user-agent'] ?? '')
    const target = fromBrowser ? pick().a : pick().b
    seen[fromBrowser ? 'a' : 'b']++
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  return { server, seen }
}

void describe('two mandate serve processes on one PostgreSQL schema', { skip }, () => {
  const dir = tempDir('mandate-e2e-pg-')
  const schema = freshSchemaName()
  let a: MandateProcess
  let b: MandateProcess
  let front: ReturnType<typeof frontProxy>
  let publicUrl: string
  const user = new BrowserUser('pat')
  let authorizer: LoopbackAuthorizer | undefined

  before(async () => {
    front = frontProxy(() => ({ a: a.url, b: b.url }))
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve))
    const port = (front.server.address() as AddressInfo).port
    publicUrl = `http://127.0.0.1:${String(port)}`
    const shared = [
      '--data-dir',
      dir.path,
      '--database',
      POSTGRES_TEST_URL,
      '--database-schema',
      schema,
    ]
    await addUsers(shared, ['pat'])
    a = await startServe([...shared, '--public-url', publicUrl])
    b = await startServe([...shared, '--public-url', publicUrl])
    await user.open()
  })
  after(async () => {
    await authorizer?.close()
    await user.close()
    front.server.closeAllConnections()
    await new Promise((resolve) => front.server.close(resolve))
    await a.stop()
    await b.stop()
    await dropSchema(schema)
    dir.remove()
  })

  it('browser on A, MCP client on B: sign-in, tool calls, MFA step-up, refresh', async () => {
    const mcpUrl = `${publicUrl}/mcp`
    const loopback = await createLoopbackAuthorizer({
      present: ({ url }) => user.authorize(url, loopback.redirectUrl),
      timeoutMs: 60_000,
    })
    authorizer = loopback
    const store = createEncryptedFileStore({ path: join(dir.path, 'host.enc') })
    const mandate = createMandateAuth({
      serverUrl: mcpUrl,
      authorizer: loopback,
      store,
      clientMetadata: { client_name: 'Mandate e2e host (PostgreSQL)' },
      allowLoopback: true,
    })
    const client = new Client({ name: 'mandate-e2e-pg', version: '0' })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), { fetch: mandate.fetch }),
    )
    const created = await client.callTool({
      name: 'create_note',
      arguments: { title: 'shared', body: 'across instances' },
    })
    assert.notEqual(created.isError, true)
    const listed = await client.callTool({ name: 'list_notes', arguments: {} })
    assert.match(JSON.stringify(listed.content), /shared/)

    // Force a refresh at B: age the stored token (through the provider, which writes the store
    // and its own view of it).
    const current = await mandate.provider.tokens()
    assert.ok(current?.issuer)
    const before = current.access_token
    await mandate.provider.saveTokens({ ...current, expires_in: -5 })
    const aged = (await store.load(`${new URL(mcpUrl).origin}/mcp`))?.tokens[current.issuer]
    assert.ok(aged?.expires_at !== undefined && aged.expires_at < Math.floor(Date.now() / 1000))
    await client.callTool({ name: 'list_notes', arguments: {} })
    const after = (await mandate.provider.tokens()) as { access_token: string } | undefined
    assert.ok(after !== undefined && after.access_token !== before)

    assert.ok(front.seen.a > 0, 'the browser talked to A')
    assert.ok(front.seen.b > 0, 'the MCP client talked to B')
    // MFA step-up: TOTP enrolled on A (the secret sealed in the shared store), token at B.
    const deleted = await client.callTool({ name: 'delete_all_notes', arguments: {} })
    assert.match(JSON.stringify(deleted.content), /deleted 1 notes/)

    // Sign-in and consent (read and write: create_note needs no step-up), then the MFA step-up.
    assert.deepEqual(user.pages[0], ['Sign in', 'Allow access?'])
    assert.ok(user.pages[1]?.includes('Set up a second factor'))
    await client.close()
  })
})
