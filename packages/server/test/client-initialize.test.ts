import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { McpServer } from '@modelcontextprotocol/server'
import { createProtectedMcpHandler } from '@mandate/server'
import type { McpIdentity } from '@mandate/server'

// Stateless serving forgets `initialize`; the hook lets per-user state (URL-elicitation
// support, docs/linking.md) outlive it.
describe('onClientInitialize', () => {
  const resource = 'http://127.0.0.1:9/mcp'
  const post = (body: object) =>
    new Request(resource, {
      method: 'POST',
      headers: {
        host: '127.0.0.1:9',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(body),
    })

  it('receives the caller and the capabilities it declared, and only for initialize', async () => {
    const seen: { identity: McpIdentity; capabilities: unknown }[] = []
    const handler = createProtectedMcpHandler({
      resource,
      authorizationServers: [],
      verifier: { verify: () => Promise.reject(new Error('not used in test mode')) },
      unauthenticatedTestMode: true,
      factory: () => new McpServer({ name: 't', version: '1' }),
      onClientInitialize: (identity, capabilities) => {
        seen.push({ identity, capabilities })
      },
    })
    const capabilities = { elicitation: { url: {} } }
    const response = await handler.fetch(
      post({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities,
          clientInfo: { name: 'c', version: '1' },
        },
      }),
    )
    assert.equal(response.status, 200)
    assert.equal(seen.length, 1)
    assert.deepEqual(seen[0]!.capabilities, capabilities)
    assert.equal(typeof seen[0]!.identity.sub, 'string')

    await handler.fetch(post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }))
    assert.equal(seen.length, 1)
    await handler.close()
  })
})
