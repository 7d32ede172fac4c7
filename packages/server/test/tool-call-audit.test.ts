// The MCP audit hook (issue 14): every tools/call is one event, allowed or denied with the
// reason, attributed (sub, client, act chain, scopes); requests refused before any tool ran
// are events too; arguments are never recorded (a hash only on opt-in); when the hook refuses
// (audit store beyond its bound) the call is answered 503 and the tool does not run.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { NotesStore } from '@mandate/example-notes-server'
import type { McpAuditRecord } from '@mandate/server'
import { AuditUnavailableError } from '@mandate/store'
import { mcpRequest, protectNotes, RESOURCE } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

const MARKER = 'private-argument-value-7f3a'

void describe('MCP tool-call audit hook', () => {
  let iss: TestIssuer
  before(async () => {
    iss = await startTestIssuer()
  })
  after(async () => {
    await iss.close()
  })

  void it('records allowed and denied calls (with the reason), batches, and refusals', async (t) => {
    const events: McpAuditRecord[] = []
    const rs = protectNotes(iss, { audit: { record: (e) => void events.push(e) } })
    t.after(() => rs.close())
    const act = { sub: 'gateway', client_id: 'gateway' }
    const read = await iss.token(RESOURCE, { scope: 'notes:read', act })
    const allowed = await rs.fetch(mcpRequest({ token: read, tool: 'list_notes' }))
    assert.equal(allowed.status, 200)
    await allowed.body?.cancel()
    const args = { title: MARKER, body: MARKER }
    const denied = await rs.fetch(mcpRequest({ token: read, tool: 'create_note', args }))
    assert.equal(denied.status, 403)
    const call = (id: number, name: string) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: {} },
    })
    const batch = await rs.fetch(
      mcpRequest({ token: read, body: [call(1, 'whoami'), call(2, 'read_note')] }),
    )
    await batch.body?.cancel()
    const noToken = await rs.fetch(mcpRequest({ tool: 'list_notes' }))
    assert.equal(noToken.status, 401)

    assert.deepEqual(
      events.map((e) => [e.type, e.outcome, 'tool' in e ? e.tool : e.reason]),
      [
        ['mcp.tool_call', 'allowed', 'list_notes'],
        ['mcp.tool_call', 'denied', 'create_note'],
        ['mcp.tool_call', 'allowed', 'whoami'],
        ['mcp.tool_call', 'allowed', 'read_note'],
        ['mcp.request_refused', 'denied', 'no_token'],
      ],
    )
    const [first, second] = events
    assert.ok(first?.type === 'mcp.tool_call' && second?.type === 'mcp.tool_call')
    assert.deepEqual(first.act, act)
    assert.equal(first.scope_granted, 'notes:read')
    assert.equal(first.server, RESOURCE)
    assert.equal(second.reason, 'insufficient_scope: notes:write')
    // Time in milliseconds since the epoch, as stored (no ISO string to format and parse back).
    for (const event of events) assert.ok(Number.isSafeInteger(event.time) && event.time > 0)
    // Arguments are never recorded, nor their hash unless the operator opts in.
    assert.equal(JSON.stringify(events).includes(MARKER), false)
    assert.equal('args_sha256' in second, false)
  })

  void it('records a SHA-256 of the arguments only when the operator opts in', async (t) => {
    const events: McpAuditRecord[] = []
    const rs = protectNotes(iss, {
      audit: { record: (e) => void events.push(e), hashArguments: true },
    })
    t.after(() => rs.close())
    const token = await iss.token(RESOURCE, { scope: 'notes:read notes:write' })
    const response = await rs.fetch(
      mcpRequest({ token, tool: 'create_note', args: { title: MARKER, body: 'b' } }),
    )
    await response.body?.cancel()
    const expected = createHash('sha256')
      .update(JSON.stringify({ body: 'b', title: MARKER }))
      .digest('hex')
    const [event] = events
    assert.ok(event?.type === 'mcp.tool_call')
    assert.equal(event.args_sha256, expected)
    assert.equal(JSON.stringify(events).includes(MARKER), false)
  })

  void it('fail closed: a refusing hook answers 503 and the tool does not run; control runs it', async (t) => {
    const notes = new NotesStore()
    let refuse = true
    const rs = protectNotes(iss, {
      notes,
      audit: {
        record: () => {
          if (refuse)
            throw new AuditUnavailableError('ERR_AUDIT_UNAVAILABLE', 'audit store unavailable')
        },
      },
    })
    t.after(() => rs.close())
    const token = await iss.token(RESOURCE, { scope: 'notes:read notes:write', sub: 'user-1' })
    const create = () =>
      rs.fetch(mcpRequest({ token, tool: 'create_note', args: { title: 't', body: 'b' } }))
    const refused = await create()
    assert.equal(refused.status, 503)
    assert.match(await refused.text(), /audit unavailable/)
    assert.equal(notes.list('user-1').length, 0)
    refuse = false
    const accepted = await create()
    assert.equal(accepted.status, 200)
    await accepted.body?.cancel()
    assert.equal(notes.list('user-1').length, 1)
  })

  void it('fail closed: an asynchronous hook that rejects answers 503 and the tool does not run', async (t) => {
    const notes = new NotesStore()
    let refuse = true
    const rs = protectNotes(iss, {
      notes,
      audit: {
        record: () =>
          refuse
            ? Promise.reject(
                new AuditUnavailableError('ERR_AUDIT_UNAVAILABLE', 'audit store unavailable'),
              )
            : Promise.resolve(),
      },
    })
    t.after(() => rs.close())
    const token = await iss.token(RESOURCE, { scope: 'notes:read notes:write', sub: 'user-1' })
    const create = () =>
      rs.fetch(mcpRequest({ token, tool: 'create_note', args: { title: 't', body: 'b' } }))
    const refused = await create()
    assert.equal(refused.status, 503)
    assert.match(await refused.text(), /audit unavailable/)
    assert.equal(notes.list('user-1').length, 0)
    refuse = false
    const accepted = await create()
    assert.equal(accepted.status, 200)
    await accepted.body?.cancel()
    assert.equal(notes.list('user-1').length, 1)
  })
})
