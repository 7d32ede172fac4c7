import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProtectedMcpHandler, getIdentity } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'
import { mcpRequest, protectNotes, RESOURCE } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

const listed = async (response: Response): Promise<string[]> => {
  const raw = await response.text()
  const json = raw.startsWith('{') ? raw : (/^data: (.+)$/m.exec(raw)?.[1] ?? '{}')
  return ((JSON.parse(json) as { result?: { tools?: { name: string }[] } }).result?.tools ?? [])
    .map((t) => t.name)
    .sort()
}
const listRequest = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }

void describe('tools/list filtering and per-tool requirements', () => {
  let iss: TestIssuer
  before(async () => {
    iss = await startTestIssuer()
  })
  after(async () => {
    await iss.close()
  })

  void it('callable (default): a caller sees exactly the tools its token may call', async () => {
    const rs = protectNotes(iss)
    const now = Math.floor(Date.now() / 1000)
    const cases: [Record<string, unknown>, string[]][] = [
      [{ scope: '' }, ['whoami']],
      [{ scope: 'notes:read' }, ['list_notes', 'read_note', 'whoami']],
      [{ scope: 'notes:read notes:write' }, ['create_note', 'list_notes', 'read_note', 'whoami']],
      [
        { scope: 'notes:read notes:write', acr: 'mfa', auth_time: now },
        ['create_note', 'delete_all_notes', 'list_notes', 'read_note', 'whoami'],
      ],
    ]
    for (const [claims, expected] of cases) {
      const response = await rs.fetch(
        mcpRequest({ token: await iss.token(RESOURCE, claims), body: listRequest }),
      )
      assert.deepEqual(await listed(response), expected, JSON.stringify(claims))
    }
    await rs.close()
  })

  void it('all: every tool is listed, and calls are still enforced', async () => {
    const rs = protectNotes(iss, { toolsList: 'all' })
    const token = await iss.token(RESOURCE, { scope: 'notes:read' })
    const response = await rs.fetch(mcpRequest({ token, body: listRequest }))
    assert.equal((await listed(response)).length, 5)
    const call = await rs.fetch(mcpRequest({ token, tool: 'delete_all_notes' }))
    assert.equal(call.status, 403)
  })

  void it('requirements by tool name protect tools the factory registers itself', async () => {
    const rs = createProtectedMcpHandler({
      resource: RESOURCE,
      authorizationServers: [iss.issuer],
      verifier: { jwt: { issuers: [{ issuer: iss.issuer }] } },
      tools: { admin: { scopes: ['admin'] } },
      factory: (ctx) => {
        const server = new McpServer({ name: 'own', version: '1' })
        if (ctx.allows('admin')) {
          server.registerTool('admin', {}, (handlerCtx) => ({
            content: [{ type: 'text', text: getIdentity(handlerCtx).sub }],
          }))
        }
        return server
      },
    })
    const denied = await rs.fetch(mcpRequest({ token: await iss.token(RESOURCE), tool: 'admin' }))
    assert.equal(denied.status, 403)
    const allowed = await rs.fetch(
      mcpRequest({ token: await iss.token(RESOURCE, { scope: 'admin' }), tool: 'admin' }),
    )
    assert.equal(allowed.status, 200)
    await allowed.body?.cancel()
    await rs.close()
  })
})
