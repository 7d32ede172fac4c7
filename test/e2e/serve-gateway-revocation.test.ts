// End to end (issues 12 and 15): `mandate serve` with the gateway in front of a stdio server
// that holds an exchanged token in its environment (one process per user), the demo notes
// server over HTTP behind a recording proxy (what the upstream received), and server-everything
// (progress). A revocation (RFC 7009, `mandate users disable`) ends the revoked caller's
// upstream process at once, the caller is refused, the upstream sees nothing more with the old
// exchanged token, and another user keeps working. Progress of an upstream call reaches only
// the caller that made it, with two users calling at once.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { runCli } from '../support/cli.ts'
import {
  ENV_TOKEN_SERVER,
  listen,
  proxyTo,
  recording,
} from '../../packages/gateway/test/support/servers.ts'
import type { Listener } from '../../packages/gateway/test/support/servers.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint, Session } from './support/revocation-e2e.ts'
import {
  assertRefused,
  discover,
  revokeAccess,
  signIn,
  untilRefused,
} from './support/revocation-e2e.ts'

const EVERYTHING = fileURLToPath(
  new URL(
    'dist/index.js',
    import.meta.resolve('@modelcontextprotocol/server-everything/package.json'),
  ),
)
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')
const hash = (value: string): string => createHash('sha256').update(value).digest('hex')

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits until the process is gone (the event); the timeout only guards a hang. */
async function untilGone(pid: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid)) {
    assert.ok(Date.now() < deadline, 'the revoked user’s upstream process is still running')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

void describe('mandate serve + gateway: revocation ends upstream sessions; progress per caller', () => {
  const dir = tempDir('mandate-e2e-gateway-revocation-')
  const dataDir = ['--data-dir', dir.path]
  let serve: MandateProcess
  let proxy: Listener
  let endpoint: Endpoint
  let gatewayUrl: string
  /** Every header and body the notes upstream received through the gateway. */
  const received: string[] = []
  const opened: { close(): Promise<void> }[] = []

  before(async () => {
    await addUsers(dataDir, ['alice', 'bob', 'carol', 'dave', 'erin'])
    const port = await freePort()
    const origin = `http://127.0.0.1:${String(port)}`
    proxy = await listen()
    proxy.serve(recording(proxyTo(origin), received))
    const exchange = { kind: 'exchange', resource: `${origin}/mcp`, scopes: ['notes:read'] }
    const config = join(dir.path, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({
        gateway: {
          enabled: true,
          upstreams: [
            {
              name: 'envtok',
              transport: { type: 'stdio', command: process.execPath, args: [ENV_TOKEN_SERVER] },
              credential: { ...exchange, env: 'UPSTREAM_TOKEN' },
              policy: [{ tools: ['pid', 'token_hash'], action: 'allow' }],
            },
            {
              name: 'notes',
              transport: { type: 'http', url: `${proxy.url}/mcp` },
              credential: exchange,
              policy: [{ tools: ['whoami'], action: 'allow', scopes: ['notes:read'] }],
            },
            {
              name: 'everything',
              transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] },
              policy: [
                {
                  tools: ['trigger-long-running-operation', 'toggle-simulated-logging'],
                  action: 'allow',
                },
              ],
            },
          ],
        },
      }),
    )
    serve = await startServe([...dataDir, '--config', config, '--port', String(port)])
    endpoint = await discover(serve.url.origin)
    gatewayUrl = new URL('/gateway/mcp', serve.url).href
  })
  after(async () => {
    for (const thing of opened.reverse()) await thing.close()
    await serve.stop()
    await proxy.close()
    dir.remove()
  })

  /** A host for `username`: a DCR client signed in for the gateway, and the SDK v2 client. */
  const host = async (username: string): Promise<{ session: Session; client: Client }> => {
    const session = await signIn(endpoint, username, gatewayUrl)
    const client = new Client({ name: `gateway-revocation-${username}`, version: '0' })
    const bearer: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${session.access}`)
      return fetch(input, { ...init, headers })
    }
    await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { fetch: bearer }))
    opened.push(client)
    return { session, client }
  }
  const pid = async (client: Client): Promise<number> =>
    Number(text(await client.callTool({ name: 'envtok__pid', arguments: {} })))
  /** The credential headers the notes upstream received while `run` ran (hashed). */
  const seenDuring = async (run: () => Promise<unknown>): Promise<Set<string>> => {
    const from = received.length
    await run()
    return new Set(
      received
        .slice(from)
        .filter((line) => line.startsWith('authorization: '))
        .map(hash),
    )
  }
  const seenSince = (from: number): string[] =>
    received
      .slice(from)
      .filter((line) => line.startsWith('authorization: '))
      .map(hash)
  const whoami = async (client: Client) =>
    JSON.parse(text(await client.callTool({ name: 'notes__whoami', arguments: {} }))) as {
      sub: string
    }

  it('RFC 7009: the revoked caller is refused, its upstream process ends, the upstream sees nothing more; bob keeps working', async () => {
    const alice = await host('alice')
    const bob = await host('bob')
    // Positive controls: both reach both upstreams with exchanged tokens of their own.
    const alicePid = await pid(alice.client)
    const bobPid = await pid(bob.client)
    assert.notEqual(alicePid, bobPid)
    const aliceCredentials = await seenDuring(() => whoami(alice.client))
    assert.ok(aliceCredentials.size > 0)
    assert.ok(alive(alicePid))

    await revokeAccess(endpoint, alice.session)
    const from = received.length
    // The gateway ends alice's upstream process (it holds a token exchanged for hers).
    await untilGone(alicePid)
    assertRefused(await untilRefused(gatewayUrl, alice.session.access))
    await assert.rejects(alice.client.callTool({ name: 'notes__whoami', arguments: {} }), {
      name: 'SdkHttpError',
      status: 401,
    })
    await assert.rejects(alice.client.callTool({ name: 'envtok__pid', arguments: {} }), {
      name: 'SdkHttpError',
      status: 401,
    })

    // Bob's process and session were left alone.
    assert.equal(await pid(bob.client), bobPid)
    const bobSees = await whoami(bob.client)
    assert.ok(bobSees.sub.length > 0)
    // Nothing reached the notes upstream with alice's exchanged token after the revocation.
    assert.equal(seenSince(from).filter((credential) => aliceCredentials.has(credential)).length, 0)
  })

  it('mandate users disable: every upstream process of the user ends; another user keeps working', async () => {
    const carol = await host('carol')
    const bob = await host('bob')
    const carolPid = await pid(carol.client)
    const bobPid = await pid(bob.client)
    await whoami(carol.client)

    const disabled = await runCli(['users', 'disable', 'carol', ...dataDir])
    assert.equal(disabled.code, 0, disabled.stderr)
    await untilGone(carolPid)
    assertRefused(await untilRefused(gatewayUrl, carol.session.access))
    await assert.rejects(carol.client.callTool({ name: 'envtok__pid', arguments: {} }), {
      name: 'SdkHttpError',
      status: 401,
    })
    assert.equal(await pid(bob.client), bobPid)
  })

  it('progress of an upstream call reaches the caller that made it, never another user', async () => {
    const dave = await host('dave')
    const erin = await host('erin')
    type Update = { progress: number; total?: number | undefined }
    const progress: Record<'dave' | 'erin', Update[]> = {
      dave: [],
      erin: [],
    }
    const call = (who: 'dave' | 'erin', client: Client, steps: number) =>
      client.callTool(
        { name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps } },
        {
          onprogress: (update) => {
            progress[who].push(update)
          },
        },
      )
    // At the same time, over the same upstream server, one process each.
    const [daveResult, erinResult] = await Promise.all([
      call('dave', dave.client, 3),
      call('erin', erin.client, 5),
    ])
    assert.match(text(daveResult), /Steps: 3/)
    assert.match(text(erinResult), /Steps: 5/)
    assert.deepEqual(
      progress.dave.map((p) => [p.progress, p.total]),
      [
        [1, 3],
        [2, 3],
        [3, 3],
      ],
    )
    assert.deepEqual(
      progress.erin.map((p) => [p.progress, p.total]),
      [1, 2, 3, 4, 5].map((n) => [n, 5]),
    )
  })

  it(
    'upstream log messages between calls reach only that user’s notification stream',
    { timeout: 120_000 },
    async () => {
      const dave = await host('dave')
      const erin = await host('erin')
      const logs: Record<'dave' | 'erin', unknown[]> = { dave: [], erin: [] }
      let daveLogged: () => void = () => undefined
      const twoForDave = new Promise<void>((resolve) => (daveLogged = resolve))
      dave.client.setNotificationHandler('notifications/message', (notification) => {
        logs.dave.push(notification.params)
        if (logs.dave.length >= 2) daveLogged()
      })
      erin.client.setNotificationHandler('notifications/message', (notification) => {
        logs.erin.push(notification.params)
      })
      // Erin's session is open too (a positive control that her calls work).
      await erin.client.callTool({
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 0, steps: 1 },
      })
      await dave.client.callTool({ name: 'everything__toggle-simulated-logging', arguments: {} })
      // The upstream logs every 5 s, outside any call: to dave's stream (GET) only.
      await twoForDave
      assert.equal(logs.erin.length, 0)
    },
  )
})
