// Protocol revision 2026-07-28: URL elicitation rides the multi-round-trip flow (an input-required
// result; no -32042, no elicitationId). The SDK client fulfils it through the same
// `elicitation/create` handler and retries the call with the responses.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { toNodeHandler } from '@modelcontextprotocol/node'
import { createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server'
import type { ConsentRequest } from '@mandate/client'
import { createUrlElicitationSupport } from '@mandate/client'

let origin = ''
let calls = 0
const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'mrtr-server', version: '0' })
    server.registerTool('repos', { description: 'needs a linked account' }, (ctx) => {
      calls++
      const response = ctx.mcpReq.inputResponses?.['link'] as { action?: string } | undefined
      if (response?.action !== 'accept') {
        return inputRequired({
          inputRequests: {
            link: inputRequired.elicitUrl({
              message: 'Link your GitHub account',
              url: `${origin}/connect/1`,
            }),
          },
          requestState: 'opaque',
        })
      }
      return { content: [{ type: 'text', text: 'repo-a, repo-b' }] }
    })
    return server
  }),
)
const http = createServer((req, res) => {
  // The SDK's request type omits `| undefined` on optional members, which
  // exactOptionalPropertyTypes then refuses for node:http's own request type.
  void handler(req as Parameters<typeof handler>[0], res)
})
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

void describe('URL elicitation on protocol revision 2026-07-28 (MRTR)', () => {
  void test('consent and browser through the same handler; the SDK retries with the response', async () => {
    const prompts: ConsentRequest[] = []
    const opened: string[] = []
    const support = createUrlElicitationSupport({
      serverUrl: `${origin}/mcp`,
      allowLoopback: true,
      consent: (request) => {
        prompts.push(request)
        return Promise.resolve({ approved: true })
      },
      open: (url) => {
        opened.push(url.href)
        return Promise.resolve()
      },
    })
    const client = new Client(
      { name: 'mrtr-test', version: '0' },
      { capabilities: support.capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    )
    support.attach(client)
    await client.connect(new StreamableHTTPClientTransport(new URL(`${origin}/mcp`)))
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
    const result = await support.callTool(client, { name: 'repos', arguments: {} })
    assert.deepEqual(result.content, [{ type: 'text', text: 'repo-a, repo-b' }])
    assert.equal(calls, 2)
    assert.equal(prompts[0]?.message, 'Link your GitHub account')
    assert.deepEqual(opened, [`${origin}/connect/1`])
    await client.close()
  })
})
