import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProtectedMcpHandler, defineTool } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'
import { withJsonSchemaOnce } from '../src/lib/json-schema-once.ts'
import { mcpRequest, RESOURCE, toolText } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

// A tool's input schema is converted to JSON Schema once (not on every per-request server): what
// tools/list publishes and what tools/call validates stay the schema's own.
const input = z.object({
  text: z.string().describe('what to echo'),
  times: z.number().int().optional(),
})
const echo = defineTool('echo', { inputSchema: input }, ({ text }) => ({
  content: [{ type: 'text', text }],
}))
const listedSchema = async (response: Response): Promise<unknown> => {
  const raw = await response.text()
  const json = raw.startsWith('{') ? raw : (/^data: (.+)$/m.exec(raw)?.[1] ?? '{}')
  const tools = (JSON.parse(json) as { result?: { tools?: { inputSchema: unknown }[] } }).result
  return tools?.tools?.[0]?.inputSchema
}
const list = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }

void describe('tool input schemas converted once', () => {
  let iss: TestIssuer
  let rs: ProtectedMcpHandler
  let token = ''
  before(async () => {
    iss = await startTestIssuer()
    rs = createProtectedMcpHandler({
      resource: RESOURCE,
      authorizationServers: [iss.issuer],
      verifier: { jwt: { issuers: [{ issuer: iss.issuer }] } },
      tools: [echo],
      factory: (ctx) => {
        const server = new McpServer({ name: 'schema', version: '1' })
        ctx.registerTools(server, [echo])
        return server
      },
    })
    token = await iss.token(RESOURCE)
  })
  after(async () => {
    await rs.close()
    await iss.close()
  })

  void it('tools/list publishes what the SDK publishes for the schema itself, every time', async () => {
    const plain = createMcpHandler(() => {
      const server = new McpServer({ name: 'schema', version: '1' })
      server.registerTool('echo', { inputSchema: input }, ({ text }) => ({
        content: [{ type: 'text', text }],
      }))
      return server
    })
    const expected = await listedSchema(await plain.fetch(mcpRequest({ body: list })))
    assert.ok(expected !== undefined)
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(
        await listedSchema(await rs.fetch(mcpRequest({ token, body: list }))),
        expected,
      )
    }
    await plain.close()
  })

  void it('tools/call still validates arguments with the schema: wrong ones are refused', async () => {
    const ok = await rs.fetch(mcpRequest({ token, tool: 'echo', args: { text: 'hi', times: 2 } }))
    assert.equal(await toolText(ok), 'hi')
    for (const args of [{ text: 42 }, {}, { text: 'hi', times: 1.5 }]) {
      const refused = await rs.fetch(mcpRequest({ token, tool: 'echo', args }))
      assert.match(await toolText(refused), /validation/i, JSON.stringify(args))
    }
  })

  void it('converts once per target, shares a frozen result, and keeps the schema validator', async () => {
    let conversions = 0
    const std = input['~standard']
    const counted = {
      '~standard': {
        ...std,
        jsonSchema: {
          input: (options: { target: string }) => {
            conversions++
            return std.jsonSchema.input(options)
          },
          output: std.jsonSchema.output,
        },
      },
    }
    const once = withJsonSchemaOnce(counted)
    const first = once['~standard'].jsonSchema.input({ target: 'draft-2020-12' })
    const second = once['~standard'].jsonSchema.input({ target: 'draft-2020-12' })
    assert.equal(first, second)
    assert.equal(conversions, 1)
    assert.ok(
      Object.isFrozen(first) && Object.isFrozen((first as { properties: object }).properties),
    )
    once['~standard'].jsonSchema.input({ target: 'draft-07' })
    assert.equal(conversions, 2)
    assert.deepEqual(await once['~standard'].validate({ text: 'x' }), { value: { text: 'x' } })
    assert.ok('issues' in (await once['~standard'].validate({ text: 1 })))
  })
})
