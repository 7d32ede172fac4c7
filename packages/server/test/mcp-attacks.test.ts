import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProtectedMcpHandler, getIdentity } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'
import { mcpRequest, protectNotes, RESOURCE, toolText } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

// Catalogue section J (MCP-specific attacks) and transport hygiene.
void describe('MCP-specific attacks (catalogue J) and transport hygiene', () => {
  let iss: TestIssuer
  let rs: ProtectedMcpHandler
  before(async () => {
    iss = await startTestIssuer()
    rs = protectNotes(iss)
  })
  after(async () => {
    await rs.close()
    await iss.close()
  })

  void it('catalogue #158: handlers cannot get the caller token (no passthrough)', async () => {
    let seen: unknown
    const probe = createProtectedMcpHandler({
      resource: RESOURCE,
      authorizationServers: [iss.issuer],
      verifier: { jwt: { issuers: [{ issuer: iss.issuer }] } },
      factory: (ctx) => {
        const server = new McpServer({ name: 'probe', version: '1' })
        server.registerTool('probe', {}, (handlerCtx) => {
          seen = {
            authInfo: handlerCtx.http?.authInfo,
            identity: getIdentity(handlerCtx),
            factory: ctx.identity,
          }
          return { content: [{ type: 'text', text: 'ok' }] }
        })
        return server
      },
    })
    const act = { sub: 'gateway', client_id: 'mandate-gateway', act: { sub: 'agent-client' } }
    const token = await iss.token(RESOURCE, {
      act,
      acr: 'mfa',
      amr: ['pwd', 'otp'],
      auth_time: 1_800_000_000,
    })
    const response = await probe.fetch(mcpRequest({ token, tool: 'probe' }))
    assert.equal(await toolText(response), 'ok')
    const serialized = JSON.stringify(seen)
    assert.ok(!serialized.includes(token), 'the token is reachable from a handler')
    assert.ok(!serialized.includes(token.split('.')[2] ?? token))
    assert.equal((seen as { authInfo: { token: string } }).authInfo.token, '')
    // The identity carries who acts for whom (RFC 8693 act chain) and how the user signed in.
    const identity = (seen as { identity: Record<string, unknown> }).identity
    assert.deepEqual(identity['act'], act)
    assert.equal(identity['acr'], 'mfa')
    assert.deepEqual(identity['amr'], ['pwd', 'otp'])
    assert.equal(identity['authTime'], 1_800_000_000)
    assert.equal(identity['clientId'], 'client-1')
    await probe.close()
  })

  void it('catalogue #161: a foreign Host is refused (DNS rebinding); loopback aliases are accepted', async () => {
    const token = await iss.token(RESOURCE)
    const evil = await rs.fetch(mcpRequest({ token, headers: { host: 'evil.example.com' } }))
    assert.equal(evil.status, 403)
    const alias = await rs.fetch(mcpRequest({ token, headers: { host: 'localhost:4100' } }))
    assert.equal(alias.status, 200)
    await alias.body?.cancel()
    const otherPort = await rs.fetch(mcpRequest({ token, headers: { host: '127.0.0.1:9999' } }))
    assert.equal(otherPort.status, 403)
  })

  void it('catalogue #160 and #161: a foreign Origin is refused with 403; empty allow-lists allow nothing', async () => {
    const token = await iss.token(RESOURCE)
    const evil = await rs.fetch(
      mcpRequest({ token, headers: { origin: 'http://evil.example.com' } }),
    )
    assert.equal(evil.status, 403)
    const own = await rs.fetch(mcpRequest({ token, headers: { origin: 'http://127.0.0.1:4100' } }))
    assert.equal(own.status, 200)
    assert.equal(own.headers.get('access-control-allow-origin'), 'http://127.0.0.1:4100')
    await own.body?.cancel()
    const closed = protectNotes(iss, { allowedHosts: [], allowedOrigins: [] })
    assert.equal((await closed.fetch(mcpRequest({ token }))).status, 403)
    assert.equal(
      (await closed.fetch(mcpRequest({ token, headers: { origin: 'http://127.0.0.1:4100' } })))
        .status,
      403,
    )
    await closed.close()
  })

  void it('catalogue #162: concurrent users only ever see their own data (one server per request)', async () => {
    const users = ['u1', 'u2', 'u3', 'u4']
    const tokens = await Promise.all(
      users.map((sub) => iss.token(RESOURCE, { sub, scope: 'notes:read notes:write' })),
    )
    await Promise.all(
      tokens.map(async (token, i) => {
        const r = await rs.fetch(
          mcpRequest({
            token,
            tool: 'create_note',
            args: { title: `secret-${users[i] ?? ''}`, body: 'x' },
          }),
        )
        await r.body?.cancel()
      }),
    )
    const lists = await Promise.all(
      tokens.map(async (token) =>
        toolText(await rs.fetch(mcpRequest({ token, tool: 'list_notes' }))),
      ),
    )
    lists.forEach((list, i) => {
      assert.match(list, new RegExp(`secret-${users[i] ?? ''}`))
      for (const other of users.filter((_, j) => j !== i))
        assert.doesNotMatch(list, new RegExp(`secret-${other}"`))
    })
  })

  void it('catalogue #164: a session id is never authentication; every request is authorised as its own caller', async () => {
    const noToken = await rs.fetch(
      mcpRequest({ headers: { 'mcp-session-id': 'b6f1c2d0-session-of-alice' } }),
    )
    assert.equal(noToken.status, 401)
    const token = await iss.token(RESOURCE, { sub: 'bob' })
    const asBob = await rs.fetch(
      mcpRequest({ token, headers: { 'mcp-session-id': 'b6f1c2d0-session-of-alice' } }),
    )
    assert.match(await toolText(asBob), /"sub":"bob"/)
  })

  void it('catalogue #175: every method on the endpoint needs authentication', async () => {
    for (const method of ['GET', 'DELETE', 'POST', 'PUT']) {
      const response = await rs.fetch(mcpRequest({ method }))
      assert.equal(response.status, 401, method)
    }
  })

  void it('request limits and malformed input: 413, 415, 400 parse error', async () => {
    const token = await iss.token(RESOURCE)
    const small = protectNotes(iss, { maxBodyBytes: 1024 })
    const big = await small.fetch(
      mcpRequest({
        token,
        body: { jsonrpc: '2.0', id: 1, method: 'ping', params: { x: 'a'.repeat(4096) } },
      }),
    )
    assert.equal(big.status, 413)
    await small.close()
    const text = await rs.fetch(mcpRequest({ token, headers: { 'content-type': 'text/plain' } }))
    assert.equal(text.status, 415)
    const junk = await rs.fetch(mcpRequest({ token, body: '{"jsonrpc":' }))
    assert.equal(junk.status, 400)
    assert.equal(((await junk.json()) as { error: { code: number } }).error.code, -32700)
    const scalar = await rs.fetch(mcpRequest({ token, body: '42' }))
    assert.equal(scalar.status, 400)
  })

  void it('secure defaults: https outside loopback, test mode only on loopback', () => {
    const base = {
      authorizationServers: ['https://as.example.com'],
      verifier: { jwt: { issuers: [{ issuer: 'https://as.example.com' }] } },
      factory: () => new McpServer({ name: 'x', version: '1' }),
    }
    assert.throws(
      () => createProtectedMcpHandler({ ...base, resource: 'http://notes.example.com/mcp' }),
      { code: 'ERR_CONFIGURATION' },
    )
    assert.throws(
      () => createProtectedMcpHandler({ ...base, resource: 'https://notes.example.com/mcp#x' }),
      { code: 'ERR_CONFIGURATION' },
    )
    assert.throws(
      () =>
        createProtectedMcpHandler({
          ...base,
          resource: 'https://notes.example.com/mcp',
          authorizationServers: ['http://as.example.com'],
        }),
      { code: 'ERR_CONFIGURATION' },
    )
    assert.throws(
      () =>
        createProtectedMcpHandler({
          ...base,
          resource: 'https://notes.example.com/mcp',
          unauthenticatedTestMode: true,
        }),
      { code: 'ERR_CONFIGURATION' },
    )
    assert.throws(
      () =>
        createProtectedMcpHandler({
          ...base,
          resource: 'https://notes.example.com/mcp',
          verifier: {
            jwt: { issuers: [{ issuer: 'https://as.example.com' }], algorithms: ['HS256'] },
          },
        }),
      { code: 'ERR_CONFIGURATION' },
    )
  })
})
