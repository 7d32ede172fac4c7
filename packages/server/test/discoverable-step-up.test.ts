// Discoverable step-up (docs/server.md): with `toolsList: 'all'` a host that knows nothing of
// Mandate sees every tool with its requirements in `_meta`, the 401 names the scopes of a typical
// session, and a call without what the tool needs is still refused with a challenge to step up
// from (MCP authorization "Scope Selection Strategy", "Step-Up Authorization Flow"; RFC 9470).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseWwwAuthenticate } from '@mandate/core'
import { REQUIREMENTS_META_KEY } from '@mandate/server'
import { mcpRequest, protectNotes, RESOURCE, toolText } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

interface ListedTool {
  name: string
  _meta?: Record<string, unknown>
}

const listRequest = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }
const listedTools = async (response: Response): Promise<ListedTool[]> => {
  const raw = await response.text()
  const json = raw.startsWith('{') ? raw : (/^data: (.+)$/m.exec(raw)?.[1] ?? '{}')
  return (JSON.parse(json) as { result?: { tools?: ListedTool[] } }).result?.tools ?? []
}
const bearerParams = (response: Response): Record<string, string> => {
  const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
  return challenges.find((c) => c.scheme.toLowerCase() === 'bearer')?.params ?? {}
}

void describe('discoverable step-up: listed requirements, 401 scopes, calls still enforced', () => {
  let iss: TestIssuer
  before(async () => {
    iss = await startTestIssuer()
  })
  after(async () => {
    await iss.close()
  })

  void it('tools/list shows every tool with its requirements in _meta to a read-only token', async (t) => {
    const rs = protectNotes(iss, { toolsList: 'all' })
    t.after(() => rs.close())
    const token = await iss.token(RESOURCE, { scope: 'notes:read' })
    const response = await rs.fetch(mcpRequest({ token, body: listRequest }))
    assert.equal(response.status, 200)
    const tools = new Map((await listedTools(response)).map((tool) => [tool.name, tool]))
    const requires = (name: string): unknown => tools.get(name)?._meta?.[REQUIREMENTS_META_KEY]
    assert.deepEqual([...tools.keys()].sort(), [
      'create_note',
      'delete_all_notes',
      'list_notes',
      'read_note',
      'whoami',
    ])
    assert.equal(REQUIREMENTS_META_KEY, 'io.mandate/requires')
    assert.deepEqual(requires('create_note'), { scopes: ['notes:write'] })
    assert.deepEqual(requires('list_notes'), { scopes: ['notes:read'] })
    assert.deepEqual(requires('delete_all_notes'), {
      scopes: ['notes:write'],
      person: true,
      acr: ['mfa'],
      maxAgeSeconds: 600,
    })
    // A tool that needs nothing says nothing.
    assert.equal(requires('whoami'), undefined)
  })

  void it('catalogue #102: a listed write tool is still refused without its scope (403 names the union)', async (t) => {
    const rs = protectNotes(iss, { toolsList: 'all' })
    t.after(() => rs.close())
    const args = { title: 't', body: 'b' }
    const readOnly = await iss.token(RESOURCE, { scope: 'notes:read' })
    const denied = await rs.fetch(mcpRequest({ token: readOnly, tool: 'create_note', args }))
    assert.equal(denied.status, 403)
    const params = bearerParams(denied)
    assert.equal(params['error'], 'insufficient_scope')
    assert.equal(params['scope'], 'notes:read notes:write')
    assert.match(params['resource_metadata'] ?? '', /\/\.well-known\/oauth-protected-resource/)
    // Positive control: the same call with the write scope is served.
    const readWrite = await iss.token(RESOURCE, { scope: 'notes:read notes:write' })
    const served = await rs.fetch(mcpRequest({ token: readWrite, tool: 'create_note', args }))
    assert.equal(served.status, 200)
    assert.match(await toolText(served), /"title":"t"/)
  })

  void it('catalogue #102: a listed MFA tool is refused without acr=mfa (RFC 9470 challenge)', async (t) => {
    const rs = protectNotes(iss, { toolsList: 'all' })
    t.after(() => rs.close())
    const scope = 'notes:read notes:write'
    const password = await iss.token(RESOURCE, { scope, acr: 'pwd' })
    const denied = await rs.fetch(mcpRequest({ token: password, tool: 'delete_all_notes' }))
    assert.equal(denied.status, 401)
    const params = bearerParams(denied)
    assert.equal(params['error'], 'insufficient_user_authentication')
    assert.equal(params['acr_values'], 'mfa')
    assert.equal(params['max_age'], '600')
    // Positive control: a recent MFA sign-in may call it.
    const now = Math.floor(Date.now() / 1000)
    const mfa = await iss.token(RESOURCE, { scope, acr: 'mfa', auth_time: now })
    const served = await rs.fetch(mcpRequest({ token: mfa, tool: 'delete_all_notes' }))
    assert.equal(served.status, 200)
    assert.equal(await toolText(served), 'deleted 0 notes')
  })

  void it('the 401 names the challenge scopes of a typical session; callable mode still hides', async (t) => {
    const rs = protectNotes(iss, {
      toolsList: 'all',
      challengeScopes: ['notes:read', 'notes:write'],
    })
    t.after(() => rs.close())
    const anonymous = await rs.fetch(mcpRequest({ body: listRequest }))
    assert.equal(anonymous.status, 401)
    assert.equal(bearerParams(anonymous)['scope'], 'notes:read notes:write')
    // The default stays least-privilege: callable only, and the 401 asks for read.
    const callable = protectNotes(iss)
    t.after(() => callable.close())
    const minimal = await callable.fetch(mcpRequest({ body: listRequest }))
    assert.equal(bearerParams(minimal)['scope'], 'notes:read')
    const token = await iss.token(RESOURCE, { scope: 'notes:read' })
    const listed = await listedTools(await callable.fetch(mcpRequest({ token, body: listRequest })))
    assert.deepEqual(listed.map((tool) => tool.name).sort(), ['list_notes', 'read_note', 'whoami'])
  })
})
