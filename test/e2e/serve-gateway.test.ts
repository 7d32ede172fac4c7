// End to end: `mandate serve` with the gateway enabled, in front of server-everything (stdio,
// one process per user) and the demo notes server (token exchange: its own audience, only
// notes:read, the act chain user → host → gateway); then `mandate gateway` alone for the same
// authorization server. The host is the SDK v2 client with @mandate/client's auth and a person
// in Chromium; it only ever talks to a gateway.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer, get } from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
} from '@mandate/client'
import type { LoopbackAuthorizer } from '@mandate/client'
import { decodeJwt } from 'jose'
import { collect, spawnCli } from '../support/cli.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'

const EVERYTHING = fileURLToPath(
  new URL(
    'dist/index.js',
    import.meta.resolve('@modelcontextprotocol/server-everything/package.json'),
  ),
)
const everything = {
  name: 'everything',
  transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] },
  policy: [{ tools: ['echo'], action: 'allow' }],
}
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve()
    }),
  )
  return port
}

void describe(
  'mandate serve + gateway + SDK v2 client + @mandate/client + Chromium',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-gateway-')
    let serve: MandateProcess
    let alonePort = 0
    const opened: { close(): Promise<void> }[] = []

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, ['alice'])
      const port = await freePort()
      alonePort = await freePort()
      const origin = `http://127.0.0.1:${String(port)}`
      const config = join(dir.path, 'mandate.json')
      writeFileSync(
        config,
        JSON.stringify({
          authorizationServer: {
            // `mandate gateway` alone (last test) is a resource of this authorization server.
            resources: {
              [`http://127.0.0.1:${String(alonePort)}/gateway/mcp`]: { scopes: ['gateway'] },
            },
          },
          gateway: {
            enabled: true,
            upstreams: [
              everything,
              {
                name: 'notes',
                transport: { type: 'http', url: `${origin}/mcp` },
                credential: { kind: 'exchange', resource: `${origin}/mcp`, scopes: ['notes:read'] },
                policy: [
                  { tools: ['whoami', 'list_notes'], action: 'allow', scopes: ['notes:read'] },
                ],
              },
            ],
          },
        }),
      )
      serve = await startServe([...dataDir, '--config', config, '--port', String(port)])
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await serve.stop()
      dir.remove()
    })

    /** A host (SDK v2 client, @mandate/client, alice at Chromium) for the MCP endpoint `url`. */
    const host = async (url: string, storeName: string) => {
      const alice = new BrowserUser('alice')
      await alice.open()
      opened.push(alice)
      const authorizer: LoopbackAuthorizer = await createLoopbackAuthorizer({
        present: async ({ url: authorization }) => {
          await alice.authorize(authorization, authorizer.redirectUrl)
        },
        timeoutMs: 60_000,
      })
      opened.push(authorizer)
      const mandate = createMandateAuth({
        serverUrl: url,
        authorizer,
        store: createEncryptedFileStore({ path: join(dir.path, storeName) }),
        clientMetadata: { client_name: 'Gateway e2e host' },
        allowLoopback: true,
      })
      const client = new Client({ name: 'gateway-e2e', version: '0' })
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), { fetch: mandate.fetch }),
      )
      opened.push(client)
      return { client, mandate }
    }

    it('the host signs in for the gateway and reaches both upstreams with their own credentials', async () => {
      const gatewayUrl = new URL('/gateway/mcp', serve.url).href
      const { client, mandate } = await host(gatewayUrl, 'alice.enc')
      const names = (await client.listTools()).tools.map((t) => t.name).sort()
      assert.deepEqual(names, ['everything__echo', 'notes__list_notes', 'notes__whoami'])
      const echoed = await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'via gateway' },
      })
      assert.match(text(echoed), /via gateway/)

      const tokens = (await mandate.provider.tokens()) as { access_token: string } | undefined
      const hostClaims = decodeJwt(tokens?.access_token ?? '')
      assert.equal(hostClaims.aud, gatewayUrl)
      const who = JSON.parse(
        text(await client.callTool({ name: 'notes__whoami', arguments: {} })),
      ) as {
        sub: string
        client_id: string
        scopes: string[]
        act?: unknown
      }
      assert.equal(who.sub, hostClaims.sub)
      assert.equal(who.client_id, 'mandate-gateway')
      assert.deepEqual(who.scopes, ['notes:read'])
      assert.deepEqual(who.act, { sub: 'mandate-gateway', act: { sub: hostClaims['client_id'] } })
      // Policy: a tool no rule allows is refused, like an unknown one.
      await assert.rejects(client.callTool({ name: 'everything__get-env', arguments: {} }), {
        code: -32602,
        message: /tool not available/,
      })
    })

    it('`mandate gateway` alone serves upstreams for an authorization server elsewhere', async () => {
      const config = join(dir.path, 'gateway-alone.json')
      writeFileSync(
        config,
        JSON.stringify({
          server: { port: alonePort },
          // Revocation through the feed is tested in serve-gateway-feed.test.ts.
          gateway: {
            issuer: serve.url.origin,
            revocation: { feed: false },
            upstreams: [everything],
          },
        }),
      )
      const child = spawnCli(['gateway', '--config', config])
      let seen = ''
      const listening = new Promise<void>((resolve, reject) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          seen += chunk.toString()
          if (seen.includes('mandate gateway: http')) resolve()
        })
        child.once('exit', (code) => {
          reject(new Error(`mandate gateway exited with ${String(code)}`))
        })
      })
      const exited = collect(child)
      opened.push({
        close: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
      await listening
      const url = `http://127.0.0.1:${String(alonePort)}/gateway/mcp`
      // Idle connections outlive a proxy's 60 s (Node's 5 s default would say timeout=5).
      const [answer] = (await once(
        get(
          `http://127.0.0.1:${String(alonePort)}/.well-known/oauth-protected-resource/gateway/mcp`,
        ),
        'response',
      )) as [IncomingMessage]
      answer.resume()
      assert.equal(answer.statusCode, 200)
      assert.equal(answer.headers['keep-alive'], 'timeout=65')
      const { client } = await host(url, 'alice-alone.enc')
      assert.deepEqual(
        (await client.listTools()).tools.map((t) => t.name),
        ['everything__echo'],
      )
      const echoed = await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'alone' },
      })
      assert.match(text(echoed), /alone/)

      // SIGHUP reloads the policies: echo is now denied, get-env allowed.
      const reloaded = new Promise<void>((resolve) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('gateway policies reloaded')) resolve()
        })
      })
      const policy = [{ tools: ['get-env'], action: 'allow' }]
      writeFileSync(
        config,
        JSON.stringify({
          server: { port: alonePort },
          gateway: {
            issuer: serve.url.origin,
            revocation: { feed: false },
            upstreams: [{ ...everything, policy }],
          },
        }),
      )
      child.kill('SIGHUP')
      await reloaded
      const names = (await client.listTools()).tools.map((t) => t.name)
      assert.deepEqual(names, ['everything__get-env'])
    })
  },
)
