// Scopes learned during a tool call (docs/server.md "Scopes learned during a call"): a handler
// that throws `InsufficientScopeError` (or calls `requestScopeChallenge`) gets the caller the
// HTTP 403 `insufficient_scope` challenge while the response has not started (JSON mode, SSE
// before any frame with `holdSseForScopeChallenge`), and a tool error naming insufficient_scope
// and the scopes once it has (MCP authorization "Runtime Insufficient Scope Errors"; RFC 6750
// §3.1).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseWwwAuthenticate } from '@mandate/core'
import {
  defineTool,
  getIdentity,
  InsufficientScopeError,
  requestScopeChallenge,
} from '@mandate/server'
import type { McpAuditRecord, ProtectedMcpHandler } from '@mandate/server'
import { mcpRequest, protectNotes, RESOURCE, toolText } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

const EXPORT = 'notes:export'
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] })

/** Released by the test once it holds the response headers (an event, not a timer). */
let releaseAfterProgress: () => void = () => undefined

const tools = [
  defineTool('export_notes', { requires: { scopes: ['notes:read'] } }, (ctx) => {
    if (!getIdentity(ctx).scopes.includes(EXPORT)) throw new InsufficientScopeError([EXPORT])
    return text('exported')
  }),
  defineTool('export_after_progress', { requires: { scopes: ['notes:read'] } }, async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken ?? 'p'
    await ctx.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken, progress: 1 },
    })
    await new Promise<void>((resolve) => {
      releaseAfterProgress = resolve
    })
    throw new InsufficientScopeError([EXPORT])
  }),
  defineTool('asks_for_held', { requires: { scopes: ['notes:read'] } }, (ctx) => {
    requestScopeChallenge(ctx, ['notes:read'])
    return { isError: true, ...text('upstream refused') }
  }),
  // A scope that is not an RFC 6749 §3.3 scope-token would break out of the quoted `scope`.
  defineTool('asks_for_malformed', { requires: { scopes: ['notes:read'] } }, (ctx) => {
    requestScopeChallenge(ctx, ['notes:export", error="invalid_token'])
    return { isError: true, ...text('upstream refused') }
  }),
]

const bearerParams = (response: Response): Record<string, string> => {
  const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')
  return challenges.find((c) => c.scheme.toLowerCase() === 'bearer')?.params ?? {}
}

/** A 2026-07-28 `tools/call` (per-request envelope in `_meta`). */
const modernCall = (token: string, tool: string): Request =>
  new Request(RESOURCE, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': tool,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: {},
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'late-scope-test', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  })

const assertChallenge = (response: Response): void => {
  assert.equal(response.status, 403)
  const params = bearerParams(response)
  assert.equal(params['error'], 'insufficient_scope')
  // Needed plus held, as the scope gate answers (catalogue #94).
  assert.equal(params['scope'], `notes:read ${EXPORT}`)
  assert.match(params['resource_metadata'] ?? '', /\/\.well-known\/oauth-protected-resource/)
}

void describe('scopes learned during a call: HTTP 403 while the response has not started', () => {
  let iss: TestIssuer
  let sse: ProtectedMcpHandler
  let unheld: ProtectedMcpHandler
  let json: ProtectedMcpHandler
  before(async () => {
    iss = await startTestIssuer()
    sse = protectNotes(iss, { extraTools: tools, holdSseForScopeChallenge: true })
    unheld = protectNotes(iss, { extraTools: tools })
    json = protectNotes(iss, { extraTools: tools, mcp: { responseMode: 'json' } })
  })
  after(async () => {
    releaseAfterProgress()
    await sse.close()
    await unheld.close()
    await json.close()
    await iss.close()
  })

  const tokens = async (): Promise<{ lacking: string; holding: string }> => ({
    lacking: await iss.token(RESOURCE, { scope: 'notes:read' }),
    holding: await iss.token(RESOURCE, { scope: `notes:read ${EXPORT}` }),
  })

  void it('SSE before any frame (2025-11-25 resumable and 2025-06-18): 403, 200 with the scope', async () => {
    const { lacking, holding } = await tokens()
    for (const version of ['2025-11-25', '2025-06-18']) {
      const headers = { 'mcp-protocol-version': version }
      const denied = await sse.fetch(mcpRequest({ token: lacking, tool: 'export_notes', headers }))
      assertChallenge(denied)
      // Positive control: a caller holding the scope is served by the same tool.
      const served = await sse.fetch(mcpRequest({ token: holding, tool: 'export_notes', headers }))
      assert.equal(served.status, 200)
      assert.equal(await toolText(served), 'exported')
    }
  })

  void it('SSE by default starts at once: the caller gets the tool error', async () => {
    const { lacking } = await tokens()
    const headers = { 'mcp-protocol-version': '2025-11-25' }
    const started = await unheld.fetch(
      mcpRequest({ token: lacking, tool: 'export_notes', headers }),
    )
    assert.equal(started.status, 200)
    assert.match(started.headers.get('content-type') ?? '', /text\/event-stream/)
    const raw = await started.text()
    assert.match(raw, /insufficient_scope/)
    assert.match(raw, new RegExp(`scope=\\\\"notes:read ${EXPORT}\\\\"`))
  })

  void it('the late 403 is audited as a denial after the allowed decision', async () => {
    const events: McpAuditRecord[] = []
    const audited = protectNotes(iss, {
      extraTools: tools,
      mcp: { responseMode: 'json' },
      audit: { record: (event) => void events.push(event) },
    })
    try {
      const { lacking, holding } = await tokens()
      assertChallenge(await audited.fetch(modernCall(lacking, 'export_notes')))
      const outcomes = events.map((event) => [
        event.outcome,
        'reason' in event ? event.reason : undefined,
      ])
      assert.deepEqual(outcomes, [
        ['allowed', undefined],
        ['denied', `insufficient_scope: ${EXPORT}`],
      ])
      // Positive control: a served call is one allowed event.
      events.length = 0
      assert.equal((await audited.fetch(modernCall(holding, 'export_notes'))).status, 200)
      assert.deepEqual(
        events.map((event) => event.outcome),
        ['allowed'],
      )
    } finally {
      await audited.close()
    }
  })

  void it('JSON response mode (2026-07-28): 403, 200 with the scope', async () => {
    const { lacking, holding } = await tokens()
    assertChallenge(await json.fetch(modernCall(lacking, 'export_notes')))
    const served = await json.fetch(modernCall(holding, 'export_notes'))
    assert.equal(served.status, 200)
    assert.equal(await toolText(served), 'exported')
  })

  void it('once SSE has started (a progress frame first), the caller gets the tool error', async () => {
    const { lacking } = await tokens()
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'export_after_progress', arguments: {}, _meta: { progressToken: 'p1' } },
    }
    const started = await sse.fetch(mcpRequest({ token: lacking, body }))
    assert.equal(started.status, 200)
    assert.match(started.headers.get('content-type') ?? '', /text\/event-stream/)
    releaseAfterProgress()
    const raw = await started.text()
    assert.match(raw, /notifications\/progress/)
    const result = /^data: (.*"result".*)$/m.exec(raw)?.[1] ?? '{}'
    const answer = JSON.parse(result) as {
      result?: { isError?: boolean; content?: { text: string }[] }
    }
    assert.equal(answer.result?.isError, true)
    const said = (answer.result.content ?? []).map((block) => block.text).join('')
    assert.match(said, /insufficient_scope/)
    assert.match(said, new RegExp(`scope="notes:read ${EXPORT}"`))
  })

  void it('no challenge for scopes the caller already holds: the tool error stays', async () => {
    const { lacking } = await tokens()
    const answered = await sse.fetch(mcpRequest({ token: lacking, tool: 'asks_for_held' }))
    assert.equal(answered.status, 200)
    assert.equal(await toolText(answered), 'upstream refused')
  })

  void it('no challenge for a scope that is not a scope-token (no header injection)', async () => {
    const { lacking } = await tokens()
    const answered = await sse.fetch(mcpRequest({ token: lacking, tool: 'asks_for_malformed' }))
    assert.equal(answered.status, 200)
    assert.equal(answered.headers.get('www-authenticate'), null)
    assert.equal(await toolText(answered), 'upstream refused')
  })
})
