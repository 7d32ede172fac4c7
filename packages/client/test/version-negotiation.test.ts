// Protocol version negotiation (MCP 2026-07-28 "server/discover", with fallback to the
// 2025-11-25 `initialize` handshake) and resource indicators kept exactly as the metadata
// spells them. Real SDK v2 servers on 127.0.0.1.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'

import {
  Client,
  startAuthorization,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client'
import { toNodeHandler } from '@modelcontextprotocol/node'
import {
  createMcpHandler,
  McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server'
import { createMandateClient, createMemoryStore, MandateOAuthProvider } from '@mandate/client'

const tools = (server: McpServer): McpServer => {
  server.registerTool('ping', { description: 'answers pong' }, () => ({
    content: [{ type: 'text', text: 'pong' }],
  }))
  return server
}
// A 2026-07-28-capable server (it also answers 2025 clients) and a 2025-only one.
const modern = toNodeHandler(
  createMcpHandler(() => tools(new McpServer({ name: 'm', version: '0' }))),
)
const legacy = toNodeHandler({
  fetch: async (request: Request) => {
    const server = tools(new McpServer({ name: 'l', version: '0' }))
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
    })
    await server.connect(transport)
    return transport.handleRequest(request)
  },
})
const http = createServer((req, res) => {
  const handler = req.url?.startsWith('/legacy') === true ? legacy : modern
  void handler(req as Parameters<typeof handler>[0], res)
})
let origin = ''
before(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`
})
after(async () => {
  http.closeAllConnections()
  await new Promise<void>((resolve) => {
    http.close(() => {
      resolve()
    })
  })
})

async function negotiated(client: Client, path: string): Promise<string | undefined> {
  await client.connect(new StreamableHTTPClientTransport(new URL(path, origin)))
  try {
    const result = await client.callTool({ name: 'ping', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'pong' }])
    return client.getNegotiatedProtocolVersion()
  } finally {
    await client.close()
  }
}

void describe('version negotiation', () => {
  void test('createMandateClient offers 2026-07-28 to a server that speaks it', async () => {
    const client = createMandateClient({ name: 't', version: '0' })
    assert.equal(await negotiated(client, '/mcp'), '2026-07-28')
  })

  void test('createMandateClient falls back to 2025-11-25 with a 2025-only server', async () => {
    const client = createMandateClient({ name: 't', version: '0' })
    assert.equal(await negotiated(client, '/legacy/mcp'), '2025-11-25')
  })

  void test('control: the SDK client alone stays on 2025-11-25 with the same modern server', async () => {
    const client = new Client({ name: 't', version: '0' })
    assert.equal(await negotiated(client, '/mcp'), '2025-11-25')
  })
})

void describe('resource indicators keep the metadata form (RFC 8707 §2, RFC 9728 §3.3)', () => {
  const provider = new MandateOAuthProvider({
    serverUrl: 'https://mcp.example:8443/mcp',
    store: createMemoryStore(),
    redirectUrl: 'http://127.0.0.1:9/callback',
    clientMetadata: { client_name: 't', redirect_uris: ['http://127.0.0.1:9/callback'] },
    allowLegacyDiscovery: false,
    allowLoopback: false,
    dpop: 'off',
    persistDpopKey: false,
  })

  for (const resource of [
    'https://mcp.example:8443',
    'https://mcp.example:8443/',
    'https://mcp.example:8443/mcp',
  ]) {
    void test(`${resource} is sent as ${resource}`, async () => {
      const selected = await provider.validateResourceURL('https://mcp.example:8443/mcp', resource)
      assert.ok(selected !== undefined)
      // The SDK's own authorization request builder, as auth() calls it.
      const { authorizationUrl } = await startAuthorization('https://as.example', {
        clientInformation: { client_id: 'c' },
        redirectUrl: 'http://127.0.0.1:9/callback',
        resource: selected,
      })
      assert.equal(authorizationUrl.searchParams.get('resource'), resource)
    })
  }

  void test('a resource for another server is still refused', async () => {
    await assert.rejects(
      provider.validateResourceURL('https://mcp.example:8443/mcp', 'https://mcp.example:8444'),
      { code: 'ERR_CLIENT_RESOURCE_MISMATCH' },
    )
  })
})
