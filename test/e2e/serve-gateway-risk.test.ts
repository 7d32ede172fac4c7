// End to end (issue 15): the `risk` policy variable of `mandate serve`'s gateway, from the
// stored audit trail. The user signs in from one network; behind a trusted proxy, a write from
// that network is allowed, the same write from a network the user never signed in from is
// refused, and a source address that is not an address makes the condition fail: refused.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import { discover, signIn } from './support/revocation-e2e.ts'
import type { Session } from './support/revocation-e2e.ts'

const EVERYTHING = fileURLToPath(
  new URL(
    'dist/index.js',
    import.meta.resolve('@modelcontextprotocol/server-everything/package.json'),
  ),
)
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

void describe('mandate serve: risk.new_network and risk.new_client in gateway policy', () => {
  const dir = tempDir('mandate-e2e-gateway-risk-')
  const dataDir = ['--data-dir', dir.path]
  let serve: MandateProcess
  let session: Session
  const opened: Client[] = []

  /** The SDK v2 client through a proxy that appends `forwardedFor` (when given). */
  const connect = async (forwardedFor?: string): Promise<Client> => {
    const viaProxy: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${session.access}`)
      if (forwardedFor !== undefined) headers.set('x-forwarded-for', forwardedFor)
      return fetch(input, { ...init, headers })
    }
    const client = new Client({ name: 'gateway-risk', version: '0' })
    const url = new URL('/gateway/mcp', serve.url)
    await client.connect(new StreamableHTTPClientTransport(url, { fetch: viaProxy }))
    opened.push(client)
    return client
  }
  const sum = (client: Client) =>
    client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } })

  before(async () => {
    await addUsers(dataDir, ['alice'])
    const config = join(dir.path, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({
        // The proxy's last X-Forwarded-For hop is the source address (docs/deployment.md).
        authorizationServer: { trustProxy: true },
        gateway: {
          enabled: true,
          scopes: ['gateway', 'notes:read'],
          upstreams: [
            {
              name: 'everything',
              transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] },
              policy: [
                // Writes: not from a network the user has not signed in from recently.
                { tools: ['get-sum'], action: 'deny', when: "phase == 'call' && risk.new_network" },
                // A client this user started using less than a day ago.
                { tools: ['get-env'], action: 'allow', when: "phase == 'list' || risk.new_client" },
                { tools: ['echo', 'get-sum'], action: 'allow' },
              ],
            },
          ],
        },
      }),
    )
    serve = await startServe([...dataDir, '--config', config])
    const endpoint = await discover(serve.url.origin)
    // Signs in from loopback (no proxy header): 127.0.0.1 is in the audit trail.
    session = await signIn(endpoint, 'alice', new URL('/gateway/mcp', serve.url).href)
  })
  after(async () => {
    for (const client of opened) await client.close()
    await serve.stop()
    dir.remove()
  })

  void it('allows a write from the network of a sign-in (positive control)', async () => {
    const client = await connect('127.0.0.9')
    assert.match(text(await sum(client)), /3/)
  })

  void it('refuses the same write from a network the user never signed in from', async () => {
    const client = await connect('203.0.113.7')
    await assert.rejects(sum(client), {
      code: -32602,
      message: /tool not available: everything__get-sum/,
    })
    // Only the write: what the policy allows regardless of the network still runs.
    const echoed = await client.callTool({ name: 'everything__echo', arguments: { message: 'ok' } })
    assert.match(text(echoed), /ok/)
  })

  void it('refuses when the source network cannot be known (fail closed)', async () => {
    const client = await connect('not-an-address')
    await assert.rejects(sum(client), { code: -32602, message: /tool not available/ })
  })

  void it('sees a client the user started using today as new', async () => {
    const client = await connect('127.0.0.9')
    const env = await client.callTool({ name: 'everything__get-env', arguments: {} })
    assert.match(text(env), /PATH/)
  })
})
