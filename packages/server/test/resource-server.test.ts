import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger, parseWwwAuthenticate } from '@mandate/core'
import type { McpAuditRecord, ProtectedMcpHandler } from '@mandate/server'
import { createProtectedMcpHandler } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'
import { mcpRequest, protectNotes, RESOURCE, toolText } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

// Catalogue section F: the resource server's checks and challenges.
void describe('resource server validation and challenges (catalogue F)', () => {
  let iss: TestIssuer
  let rs: ProtectedMcpHandler
  const logLines: string[] = []
  before(async () => {
    iss = await startTestIssuer()
    rs = protectNotes(iss, {
      logger: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    })
  })
  after(async () => {
    await rs.close()
    await iss.close()
  })

  const challengeOf = (response: Response): Record<string, string> =>
    parseWwwAuthenticate(response.headers.get('www-authenticate') ?? '')[0]?.params ?? {}

  void it('catalogue #89: a token for another resource is refused (no audience confusion)', async () => {
    const response = await rs.fetch(
      mcpRequest({ token: await iss.token('http://127.0.0.1:4100/other') }),
    )
    assert.equal(response.status, 401)
    assert.equal(challengeOf(response)['error'], 'invalid_token')
  })

  void it('catalogue #90: audience compares host, scheme, port and path on boundaries', async () => {
    for (const aud of [
      'http://127.0.0.1:4100/mcp-admin',
      'http://127.0.0.1:4100/mcp/x',
      'http://127.0.0.1:4100/',
      'http://127.0.0.1:4101/mcp',
      'https://127.0.0.1:4100/mcp',
      'http://localhost:4100/mcp',
      'http://127.0.0.1:4100/MCP',
    ]) {
      const response = await rs.fetch(mcpRequest({ token: await iss.token(RESOURCE, { aud }) }))
      assert.equal(response.status, 401, aud)
      await response.body?.cancel()
    }
    // Canonical equivalents are the same resource (RFC 3986 §6.2.2): case of host, trailing slash.
    for (const aud of ['HTTP://127.0.0.1:4100/mcp', 'http://127.0.0.1:4100/mcp/']) {
      const response = await rs.fetch(mcpRequest({ token: await iss.token(RESOURCE, { aud }) }))
      assert.equal(response.status, 200, aud)
      await response.body?.cancel()
    }
  })

  void it('catalogue #92: no, malformed or foreign credentials get a 401 challenge naming the metadata; query tokens are refused', async () => {
    const bare = await rs.fetch(mcpRequest())
    assert.equal(bare.status, 401)
    const [bearer, dpop] = parseWwwAuthenticate(bare.headers.get('www-authenticate') ?? '')
    assert.ok(bearer && dpop)
    assert.equal(bearer.scheme, 'Bearer')
    assert.equal(
      bearer.params['resource_metadata'],
      'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp',
    )
    assert.equal(bearer.params['scope'], 'notes:read')
    assert.equal(bearer.params['error'], undefined)
    assert.equal(dpop.scheme, 'DPoP')
    for (const header of ['Basic YWxpY2U6cHc=', 'Bearer', 'Bearer a b', 'Bearer ä']) {
      const r = await rs.fetch(mcpRequest({ headers: { authorization: header } }))
      assert.equal(r.status, 401, header)
      assert.match(r.headers.get('www-authenticate') ?? '', /resource_metadata=/)
    }
    const token = await iss.token(RESOURCE)
    const query = await rs.fetch(mcpRequest({ url: `${RESOURCE}?access_token=${token}` }))
    assert.equal(query.status, 400)
    assert.equal(challengeOf(query)['error'], 'invalid_request')
  })

  void it('catalogue #93: an expired token gets 401 invalid_token', async () => {
    const response = await rs.fetch(
      mcpRequest({ token: await iss.token(RESOURCE, { exp: Math.floor(Date.now() / 1000) - 60 }) }),
    )
    assert.equal(response.status, 401)
    assert.equal(challengeOf(response)['error'], 'invalid_token')
    // Why is logged, not sent (issue 19): the wire has the generic description.
    assert.equal(challengeOf(response)['error_description'], 'invalid access token')
    assert.match(logLines.at(-1) ?? '', /"msg":"token rejected".*"reason":"token expired"/)
  })

  void it('catalogue #94 and #102: a tool needing more scopes answers 403 insufficient_scope with needed plus held scopes', async () => {
    const token = await iss.token(RESOURCE, { scope: 'notes:read other:thing' })
    const response = await rs.fetch(
      mcpRequest({ token, tool: 'create_note', args: { title: 'x', body: 'y' } }),
    )
    assert.equal(response.status, 403)
    const params = challengeOf(response)
    assert.equal(params['error'], 'insufficient_scope')
    assert.deepEqual(params['scope']?.split(' ').sort(), [
      'notes:read',
      'notes:write',
      'other:thing',
    ])
    assert.equal(
      params['resource_metadata'],
      'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp',
    )
    // Holding the scope of *another* tool is not enough (server-side policy per tool).
    const list = await rs.fetch(
      mcpRequest({
        token: await iss.token(RESOURCE, { scope: 'notes:write' }),
        tool: 'list_notes',
      }),
    )
    assert.equal(list.status, 403)
  })

  void it('requiredScopes: a token without them gets 403 insufficient_scope on every call; with them, or when none are set, the call runs', async () => {
    const gated = protectNotes(iss, { requiredScopes: ['mcp'] })
    try {
      const without = await gated.fetch(
        mcpRequest({ token: await iss.token(RESOURCE, { scope: 'notes:read' }) }),
      )
      assert.equal(without.status, 403)
      const params = challengeOf(without)
      assert.equal(params['error'], 'insufficient_scope')
      assert.deepEqual(params['scope']?.split(' ').sort(), ['mcp', 'notes:read'])
      const held = await gated.fetch(
        mcpRequest({ token: await iss.token(RESOURCE, { scope: 'mcp notes:read' }) }),
      )
      assert.equal(held.status, 200)
      assert.match(await toolText(held), /sub/)
    } finally {
      await gated.close()
    }
    // Without requiredScopes (the default), a token with no scope at all reaches a tool that
    // needs none.
    const none = await rs.fetch(mcpRequest({ token: await iss.token(RESOURCE, { scope: '' }) }))
    assert.equal(none.status, 200)
    await none.body?.cancel()
  })

  void it('catalogue #95: acr and auth_time are checked; 401 insufficient_user_authentication with acr_values/max_age', async () => {
    const now = Math.floor(Date.now() / 1000)
    const scope = 'notes:read notes:write'
    const weak = await rs.fetch(
      mcpRequest({
        token: await iss.token(RESOURCE, { scope, acr: 'pwd', auth_time: now }),
        tool: 'delete_all_notes',
      }),
    )
    assert.equal(weak.status, 401)
    const p = challengeOf(weak)
    assert.equal(p['error'], 'insufficient_user_authentication')
    assert.equal(p['acr_values'], 'mfa')
    assert.equal(p['max_age'], '600')
    const old = await rs.fetch(
      mcpRequest({
        token: await iss.token(RESOURCE, { scope, acr: 'mfa', auth_time: now - 3600 }),
        tool: 'delete_all_notes',
      }),
    )
    assert.equal(old.status, 401)
    assert.equal(challengeOf(old)['error'], 'insufficient_user_authentication')
    const none = await rs.fetch(
      mcpRequest({
        token: await iss.token(RESOURCE, { scope, acr: 'mfa' }),
        tool: 'delete_all_notes',
      }),
    )
    assert.equal(none.status, 401)
    const ok = await rs.fetch(
      mcpRequest({
        token: await iss.token(RESOURCE, { scope, acr: 'mfa', auth_time: now - 10 }),
        tool: 'delete_all_notes',
      }),
    )
    assert.equal(ok.status, 200)
    assert.match(await toolText(ok), /deleted 0 notes/)
  })

  void it('catalogue #96: the challenge for the same call is the same every time (no scope storm)', async () => {
    const token = await iss.token(RESOURCE)
    const a = await rs.fetch(
      mcpRequest({ token, tool: 'create_note', args: { title: 'x', body: 'y' } }),
    )
    const b = await rs.fetch(
      mcpRequest({ token, tool: 'create_note', args: { title: 'x', body: 'y' } }),
    )
    assert.equal(a.headers.get('www-authenticate'), b.headers.get('www-authenticate'))
  })

  void it('catalogue #97: a failing verifier answers 500 without a challenge; hostile reasons never reach the header raw', async () => {
    const broken = createProtectedMcpHandler({
      resource: RESOURCE,
      authorizationServers: [iss.issuer],
      verifier: { verify: () => Promise.reject(new Error('boom "\r\nSet-Cookie: x=1')) },
      factory: () => new McpServer({ name: 'x', version: '1' }),
    })
    const response = await broken.fetch(mcpRequest({ token: 'abc' }))
    assert.equal(response.status, 500)
    assert.equal(response.headers.get('www-authenticate'), null)
    assert.doesNotMatch(await response.text(), /boom|Set-Cookie/)
    await broken.close()
  })

  void it('catalogue #98: the auth scheme is case-insensitive', async () => {
    const token = await iss.token(RESOURCE)
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const response = await rs.fetch(mcpRequest({ token, scheme }))
      assert.equal(response.status, 200, scheme)
      await response.body?.cancel()
    }
  })

  void it('catalogue #99: metadata at the path-aware and root well-known URLs, resource is canonical, non-GET is 405', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const response = await rs.fetch(new Request(`http://127.0.0.1:4100${path}`))
      assert.equal(response.status, 200)
      const metadata = (await response.json()) as Record<string, unknown>
      assert.equal(metadata['resource'], RESOURCE)
      assert.deepEqual(metadata['authorization_servers'], [iss.issuer])
      assert.deepEqual(metadata['scopes_supported'], ['notes:read', 'notes:write'])
      assert.deepEqual(metadata['bearer_methods_supported'], ['header'])
    }
    const post = await rs.fetch(
      new Request('http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp', {
        method: 'POST',
      }),
    )
    assert.equal(post.status, 405)
    const unknown = await rs.fetch(new Request('http://127.0.0.1:4100/elsewhere'))
    assert.equal(unknown.status, 404)
  })

  void it('issue 19: an internal rejection reason never reaches the wire; the error code does, and the reason is logged and audited', async (t) => {
    const events: McpAuditRecord[] = []
    const lines: string[] = []
    const audited = protectNotes(iss, {
      logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
      audit: { record: (event) => void events.push(event) },
    })
    t.after(() => audited.close())
    // Positive control: the same setup accepts a good token.
    const ok = await audited.fetch(mcpRequest({ token: await iss.token(RESOURCE) }))
    assert.equal(ok.status, 200)
    await ok.body?.cancel()
    const cases: [string, string][] = [
      [await iss.token('http://127.0.0.1:4100/other'), 'token audience is not this resource'],
      [await iss.token(RESOURCE, { iss: 'http://127.0.0.1:1' }), 'untrusted issuer'],
      [await iss.token(RESOURCE, { exp: Math.floor(Date.now() / 1000) - 60 }), 'token expired'],
      [await iss.token(RESOURCE, { client_id: undefined }), 'token has no client_id'],
    ]
    for (const [token, reason] of cases) {
      events.length = 0
      lines.length = 0
      const response = await audited.fetch(mcpRequest({ token }))
      const header = response.headers.get('www-authenticate') ?? ''
      const body = await response.text()
      // The right error code reaches the wire (RFC 6750 §3.1)...
      assert.equal(response.status, 401, reason)
      assert.equal(challengeOf(response)['error'], 'invalid_token', reason)
      assert.equal((JSON.parse(body) as { error: string }).error, 'invalid_token', reason)
      // ...with the one generic description, never the reason.
      assert.equal(challengeOf(response)['error_description'], 'invalid access token', reason)
      assert.ok(!header.includes(reason) && !body.includes(reason), reason)
      // The reason is where operators look: the log and the audit trail.
      assert.match(lines.join(''), new RegExp(`"reason":"${reason}"`), reason)
      const refused = events.find((e) => e.type === 'mcp.request_refused')
      assert.equal(refused?.reason, `invalid_token: ${reason}`, reason)
    }
    // A tool the token lacks scopes for: insufficient_scope on the wire, the missing scope audited.
    events.length = 0
    const denied = await audited.fetch(
      mcpRequest({
        token: await iss.token(RESOURCE),
        tool: 'create_note',
        args: { title: 'x', body: 'y' },
      }),
    )
    assert.equal(denied.status, 403)
    assert.equal(challengeOf(denied)['error'], 'insufficient_scope')
    assert.equal(challengeOf(denied)['error_description'], 'more scopes required')
    assert.equal(
      events.find((e) => e.type === 'mcp.tool_call')?.reason,
      'insufficient_scope: notes:write',
    )
  })

  void it('catalogue #104: tokens never appear in log lines', async () => {
    const secrets = [
      await iss.token(RESOURCE, { exp: 1 }),
      await iss.token('http://x/y'),
      'opaque-token-value-123',
    ]
    for (const token of secrets) await (await rs.fetch(mcpRequest({ token }))).body?.cancel()
    assert.ok(logLines.length > 0, 'rejections are logged')
    for (const token of secrets) {
      for (const line of logLines)
        assert.ok(!line.includes(token) && !line.includes(token.split('.')[1] ?? token))
    }
  })
})
