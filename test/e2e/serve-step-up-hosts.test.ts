// Discoverable step-up (docs/server.md), end to end: four hosts that know nothing of Mandate
// start from no token against a real `mandate serve` and reach `create_note`, a write tool:
// the SDK v1 client and the SDK v2 client each with their own OAuthClientProvider, mcp-remote
// (a stdio proxy, driven by the v1 SDK as a desktop host drives it) and the MCP Inspector CLI.
// Each finds the tool in tools/list with its requirements in `_meta`, signs in once in Chromium
// (the 401 names read and write), and calls it.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as HttpV2,
} from '@modelcontextprotocol/client'
import type { OAuthClientProvider as ProviderV2 } from '@modelcontextprotocol/client'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { collect } from '../support/cli.ts'
import { BrowserLauncher, CallbackListener, InMemoryHostProvider } from './support/generic-hosts.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, BrowserUser, chromiumSkip, startServe, tempDir } from './support/mandate-e2e.ts'
import { spawn } from 'node:child_process'

const require = createRequire(import.meta.url)
const MCP_REMOTE = require.resolve('mcp-remote/dist/proxy.js')
const INSPECTOR = join(
  require.resolve('@modelcontextprotocol/inspector/package.json'),
  '../clients/launcher/build/index.js',
)
const REQUIRES = 'io.mandate/requires'
const USERS = ['vera', 'wes', 'rita', 'ines']

interface Listed {
  name: string
  _meta?: Record<string, unknown> | undefined
}
/**
 * What the host saw in tools/list: the write tool and the MFA tool (which this session cannot
 * call yet: no acr=mfa) are both listed, each with its requirements in `_meta`.
 */
const assertDiscoverable = (tools: Listed[]): void => {
  const requires = (name: string): unknown =>
    tools.find((tool) => tool.name === name)?._meta?.[REQUIRES]
  assert.deepEqual(requires('create_note'), { scopes: ['notes:write'] })
  assert.deepEqual(requires('delete_all_notes'), {
    scopes: ['notes:write'],
    person: true,
    acr: ['mfa'],
    maxAgeSeconds: 600,
  })
}
/** The first authorization asks for what the 401 named (hosts may add e.g. offline_access). */
const asksReadWrite = (url: URL | undefined): void => {
  const scopes = url?.searchParams.get('scope')?.split(' ') ?? []
  assert.ok(scopes.includes('notes:read') && scopes.includes('notes:write'), scopes.join(' '))
}
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('')

const freePort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

void describe(
  'discoverable step-up: four generic hosts reach create_note',
  { skip: chromiumSkip },
  () => {
    const dir = tempDir('mandate-e2e-hosts-')
    let serve: MandateProcess
    const opened: { close(): unknown }[] = []

    before(async () => {
      const dataDir = ['--data-dir', dir.path]
      await addUsers(dataDir, USERS)
      serve = await startServe(dataDir)
    })
    after(async () => {
      for (const thing of opened.reverse()) await thing.close()
      await serve.stop()
      dir.remove()
    })

    const person = async (name: string): Promise<BrowserUser> => {
      const user = new BrowserUser(name)
      await user.open()
      opened.push(user)
      return user
    }
    const listener = async (): Promise<CallbackListener> => {
      const callback = new CallbackListener()
      await callback.open()
      opened.push(callback)
      return callback
    }

    it('SDK v1 client with its own OAuthClientProvider', async () => {
      const callback = await listener()
      const provider = new InMemoryHostProvider(callback, await person('vera'), 'v1 host')
      const client = new Client({ name: 'v1-host', version: '0' })
      const first = new StreamableHTTPClientTransport(new URL(serve.mcpUrl), {
        authProvider: provider,
      })
      const code = callback.next()
      await assert.rejects(client.connect(first), UnauthorizedError)
      // The 401 named what a session with the demo needs: one sign-in covers the write tool.
      asksReadWrite(provider.redirects[0])
      await provider.browser
      const query = await code
      assert.equal(query.get('state'), provider.expectedState)
      await first.finishAuth(query.get('code') ?? '')

      const connected = new Client({ name: 'v1-host', version: '0' })
      await connected.connect(
        new StreamableHTTPClientTransport(new URL(serve.mcpUrl), { authProvider: provider }),
      )
      opened.push(connected)
      assertDiscoverable((await connected.listTools()).tools)
      const created = await connected.callTool({
        name: 'create_note',
        arguments: { title: 'from v1', body: 'hi' },
      })
      assert.notEqual(created.isError, true)
      assert.match(text(created), /"title":"from v1"/)
      assert.equal(provider.redirects.length, 1, 'one sign-in')
    })

    it('SDK v2 client with its own OAuthClientProvider', async () => {
      const callback = await listener()
      const provider = new InMemoryHostProvider(callback, await person('wes'), 'v2 host')
      const v2 = provider as unknown as ProviderV2
      const first = new HttpV2(new URL(serve.mcpUrl), { authProvider: v2 })
      const code = callback.next()
      await assert.rejects(new ClientV2({ name: 'v2-host', version: '0' }).connect(first), {
        name: 'UnauthorizedError',
      })
      await provider.browser
      const query = await code
      assert.equal(query.get('state'), provider.expectedState)
      // v2 checks the callback's RFC 9207 `iss` before it redeems the code.
      await first.finishAuth(query)

      const client = new ClientV2({ name: 'v2-host', version: '0' })
      await client.connect(new HttpV2(new URL(serve.mcpUrl), { authProvider: v2 }))
      opened.push(client)
      assertDiscoverable((await client.listTools()).tools)
      const created = await client.callTool({
        name: 'create_note',
        arguments: { title: 'from v2', body: 'hi' },
      })
      assert.match(text(created), /"title":"from v2"/)
      assert.equal(provider.redirects.length, 1, 'one sign-in')
    })

    it('mcp-remote: a stdio host, its own DCR and loopback callback, its browser launcher', async () => {
      const user = await person('rita')
      const launcherDir = tempDir('mandate-e2e-remote-')
      opened.push({
        close: () => {
          launcherDir.remove()
        },
      })
      const launcher = new BrowserLauncher(launcherDir.path)
      opened.push(launcher)
      const env: Record<string, string | undefined> = {
        ...process.env,
        ...launcher.env,
        MCP_REMOTE_CONFIG_DIR: join(dir.path, 'mcp-auth'),
      }
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [
          MCP_REMOTE,
          serve.mcpUrl,
          '--allow-http',
          '--host',
          '127.0.0.1',
          '--auth-timeout',
          '180',
        ],
        env: Object.fromEntries(
          Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
        ),
        stderr: 'pipe',
      })
      let log = ''
      transport.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')))
      const client = new Client({ name: 'desktop-host', version: '0' })
      opened.push(client)
      const signIn = launcher.next().then(async (url) => {
        asksReadWrite(url)
        await user.authorize(url, url.searchParams.get('redirect_uri') ?? '')
      })
      await Promise.all([client.connect(transport, { timeout: 180_000 }), signIn]).catch(
        (error: unknown) => {
          throw new Error(`mcp-remote failed: ${String(error)}\n${log}`)
        },
      )
      assertDiscoverable((await client.listTools()).tools)
      const created = await client.callTool({
        name: 'create_note',
        arguments: { title: 'from mcp-remote', body: 'hi' },
      })
      assert.match(text(created), /"title":"from mcp-remote"/)
      assert.equal(user.pages.length, 1, 'one sign-in')
    })

    it('MCP Inspector CLI: interactive OAuth, then the stored token', async () => {
      const user = await person('ines')
      const home = tempDir('mandate-e2e-inspector-')
      opened.push({
        close: () => {
          home.remove()
        },
      })
      const launcher = new BrowserLauncher(home.path)
      opened.push(launcher)
      const callbackUrl = `http://127.0.0.1:${String(await freePort())}/oauth/callback`
      // Without a TTY the CLI signs in only when told that a browser will open.
      const env = {
        ...process.env,
        ...launcher.env,
        HOME: home.path,
        MCP_AUTO_OPEN_ENABLED: 'true',
        // No keychain here: the CLI's documented file store, in the temporary home.
        MCP_INSPECTOR_SECRET_STORE: 'file',
      }
      const inspector = (args: string[]) => {
        const child = spawn(
          process.execPath,
          [
            INSPECTOR,
            '--cli',
            serve.mcpUrl,
            '--transport',
            'http',
            '--callback-url',
            callbackUrl,
            '--format',
            'json',
            ...args,
          ],
          { env, stdio: ['pipe', 'pipe', 'pipe'] },
        )
        return collect(child, { timeoutMs: 240_000 })
      }
      const call = inspector([
        '--method',
        'tools/call',
        '--tool-name',
        'create_note',
        '--tool-arg',
        'title=from the inspector',
        'body=hi',
      ])
      const url = await launcher.next()
      asksReadWrite(url)
      await user.authorize(url, callbackUrl)
      const called = await call
      assert.equal(called.code, 0, called.stderr)
      assert.match(called.stdout, /from the inspector/)

      const list = await inspector(['--method', 'tools/list', '--stored-auth-only'])
      assert.equal(list.code, 0, list.stderr)
      // `--format json`: the JSON-RPC result under `result`.
      const tools = (JSON.parse(list.stdout) as { result: { tools: Listed[] } }).result.tools
      assertDiscoverable(tools)
      assert.equal(user.pages.length, 1, 'one sign-in')
    })
  },
)
