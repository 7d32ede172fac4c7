// End to end (issue 15): an operator changes the gateway's policy of a running `mandate serve`
// by editing the configuration file and sending SIGHUP. A valid policy applies to the next call
// and to tools/list, and a changed upstream gets a new process; a broken one is refused with
// its key in the log while the previous policy stays in force; a restart starts with the file.
// Saving the file is enough too (watched, debounced): the same validation, the same fail-safe.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import { discover, signIn } from './support/revocation-e2e.ts'

const EVERYTHING = fileURLToPath(
  new URL(
    'dist/index.js',
    import.meta.resolve('@modelcontextprotocol/server-everything/package.json'),
  ),
)
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

/** The configuration file: server-everything over stdio with `policy` and `env`. */
function gatewayConfig(policy: unknown[], env: Record<string, string> = {}): string {
  return JSON.stringify({
    gateway: {
      enabled: true,
      // The e2e sign-in helper asks for notes:read.
      scopes: ['gateway', 'notes:read'],
      upstreams: [
        {
          name: 'everything',
          transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'], env },
          policy,
        },
      ],
    },
  })
}

/** Resolves once `serve` logged `pattern` more often than it had when called. */
function nextLog(serve: MandateProcess, pattern: RegExp): Promise<void> {
  const count = () =>
    serve
      .output()
      .split('\n')
      .filter((l) => pattern.test(l)).length
  const before = count()
  return new Promise((resolve) => {
    const check = () => {
      if (count() > before) {
        serve.child.stdout?.off('data', check)
        resolve()
      }
    }
    serve.child.stdout?.on('data', check)
  })
}

void describe('mandate serve: SIGHUP reloads the gateway policy', () => {
  const dir = tempDir('mandate-e2e-gateway-reload-')
  const dataDir = ['--data-dir', dir.path]
  const config = join(dir.path, 'mandate.json')
  let serve: MandateProcess
  const opened: Client[] = []

  const connect = async (): Promise<Client> => {
    const endpoint = await discover(serve.url.origin)
    const gatewayUrl = new URL('/gateway/mcp', serve.url).href
    const session = await signIn(endpoint, 'alice', gatewayUrl)
    const bearer: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${session.access}`)
      return fetch(input, { ...init, headers })
    }
    const client = new Client({ name: 'gateway-reload', version: '0' })
    await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { fetch: bearer }))
    opened.push(client)
    return client
  }
  const tools = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort()

  before(async () => {
    await addUsers(dataDir, ['alice'])
    writeFileSync(
      config,
      gatewayConfig([{ tools: ['echo', 'get-sum', 'get-env'], action: 'allow' }]),
    )
    serve = await startServe([...dataDir, '--config', config])
  })
  after(async () => {
    for (const client of opened) await client.close()
    await serve.stop()
    dir.remove()
  })

  void it('applies an edited policy on SIGHUP, keeps it when the next one is broken', async () => {
    const client = await connect()
    assert.deepEqual(await tools(client), [
      'everything__echo',
      'everything__get-env',
      'everything__get-sum',
    ])
    const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } })
    assert.match(text(sum), /3/)

    // The operator denies get-sum and gives the upstream a new environment (a changed upstream:
    // its sessions close, the next call starts a new process).
    writeFileSync(
      config,
      gatewayConfig(
        [
          { tools: ['get-sum'], action: 'deny' },
          { tools: ['echo', 'get-env'], action: 'allow' },
        ],
        { RELOAD_MARK: 'second' },
      ),
    )
    const reloaded = nextLog(serve, /gateway upstreams reloaded/)
    serve.child.kill('SIGHUP')
    await reloaded
    assert.deepEqual(await tools(client), ['everything__echo', 'everything__get-env'])
    await assert.rejects(
      client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } }),
      { code: -32602, message: /tool not available: everything__get-sum/ },
    )
    const env = await client.callTool({ name: 'everything__get-env', arguments: {} })
    assert.match(text(env), /RELOAD_MARK/)

    // A broken policy (it would allow get-sum, but one condition does not compile): refused,
    // logged with its key, and the policy in force stays.
    writeFileSync(
      config,
      gatewayConfig([
        { tools: ['echo', 'get-env', 'get-sum'], action: 'allow' },
        { tools: ['echo'], action: 'allow', when: 'claims.sub ==' },
      ]),
    )
    const refused = nextLog(serve, /configuration reload failed/)
    serve.child.kill('SIGHUP')
    await refused
    const line = serve
      .output()
      .split('\n')
      .findLast((l) => l.includes('configuration reload failed'))
    assert.match(line ?? '', /gateway\.upstreams\.everything\.policy\[1\]\.when/)
    assert.match(line ?? '', /invalid CEL/)
    assert.deepEqual(await tools(client), ['everything__echo', 'everything__get-env'])
    await assert.rejects(
      client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } }),
      { code: -32602, message: /tool not available/ },
    )
    // Positive control: what the policy in force allows still runs.
    const echoed = await client.callTool({
      name: 'everything__echo',
      arguments: { message: 'kept' },
    })
    assert.match(text(echoed), /kept/)
  })

  void it('reloads when the file changes, without a signal; an invalid file keeps the policy', async () => {
    const client = await connect()
    const reloaded = nextLog(serve, /configuration reloaded \(file changed\)/)
    writeFileSync(config, gatewayConfig([{ tools: ['echo', 'get-sum'], action: 'allow' }]))
    await reloaded
    assert.deepEqual(await tools(client), ['everything__echo', 'everything__get-sum'])

    // Not a valid configuration (an upstream name with capitals, no transport): refused, logged.
    const refused = nextLog(serve, /configuration reload failed \(file changed\)/)
    writeFileSync(
      config,
      JSON.stringify({ gateway: { enabled: true, upstreams: [{ name: 'Bad' }] } }),
    )
    await refused
    assert.deepEqual(await tools(client), ['everything__echo', 'everything__get-sum'])
    const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 3, b: 4 } })
    assert.match(text(sum), /7/)
  })

  void it('starts again with the policy of the file', async () => {
    writeFileSync(config, gatewayConfig([{ tools: ['get-sum'], action: 'allow' }]))
    for (const client of opened.splice(0)) await client.close()
    await serve.stop()
    serve = await startServe([...dataDir, '--config', config])
    const client = await connect()
    assert.deepEqual(await tools(client), ['everything__get-sum'])
    const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 2 } })
    assert.match(text(sum), /4/)
  })
})
