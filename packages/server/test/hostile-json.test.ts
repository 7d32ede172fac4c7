// Hostile JSON bodies and request targets against the resource-server toolkit (issue 11,
// defects 8 and 9): every JSON-RPC body is parsed within size and depth bounds, and an
// absolute-form target never brings a second origin past the Host check.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNotesServer } from '@mandate/example-notes-server'
import { JSONRPC_ERROR } from '@mandate/core'
import type { ProtectedMcpHandler } from '@mandate/server'
import { mcpRequest, protectNotes, RESOURCE, toolText } from './support/harness.ts'
import { serveProtected } from './support/serve.ts'
import type { Running } from './support/serve.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'
import { rawRequest } from '../../../test/support/raw-http.ts'

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`
const call = (args: string): string =>
  `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{"x":${args}}}}`

void describe('hostile JSON-RPC bodies (issue 11, defect 9)', () => {
  let iss: TestIssuer
  let rs: ProtectedMcpHandler
  let token: string
  before(async () => {
    iss = await startTestIssuer()
    rs = protectNotes(iss)
    token = await iss.token(RESOURCE)
  })
  after(async () => {
    await rs.close()
    await iss.close()
  })

  const post = async (body: string | Uint8Array) => {
    const response = await rs.fetch(
      new Request(RESOURCE, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body: typeof body === 'string' ? body : Buffer.from(body),
      }),
    )
    const text = await response.text()
    return { status: response.status, body: text }
  }
  const errorCode = (text: string): unknown =>
    (JSON.parse(text) as { error?: { code?: unknown } }).error?.code

  void it('issue 11 defect 9: a 5,000-deep array in a tools/call is 400 -32600, not 500', async () => {
    const answer = await post(call(nested(5_000)))
    assert.equal(answer.status, 400)
    assert.equal(errorCode(answer.body), JSONRPC_ERROR.invalidRequest)
  })

  void it('issue 11 defect 9: deep objects, and depth just over the bound, are refused too', async () => {
    const objects = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`
    for (const args of [objects, nested(64)]) {
      const answer = await post(call(args))
      assert.equal(answer.status, 400)
      assert.equal(errorCode(answer.body), JSONRPC_ERROR.invalidRequest)
    }
  })

  void it('positive control: nesting within the bound and brackets inside strings are accepted', async () => {
    // 60 levels in `x`, plus the 4 of the envelope: 64, the bound.
    const within = await post(call(nested(60)))
    assert.equal(within.status, 200)
    const brackets = await post(call(JSON.stringify('['.repeat(10_000))))
    assert.equal(brackets.status, 200)
    assert.match(await toolText(await rs.fetch(mcpRequest({ token }))), /"sub":"alice"/)
  })

  void it('issue 11 defect 9: malformed JSON and invalid UTF-8 are 400 -32700', async () => {
    for (const body of [
      '{"jsonrpc":"2.0",',
      '{"a":1}{"b":2}',
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      '\u0000',
    ]) {
      const answer = await post(body)
      assert.equal(answer.status, 400)
      assert.equal(errorCode(answer.body), JSONRPC_ERROR.parseError)
    }
  })
})

void describe('absolute-form request targets on a standalone node handler (issue 11, defect 8)', () => {
  let iss: TestIssuer
  let running: Running
  before(async () => {
    iss = await startTestIssuer()
    running = await serveProtected(
      (origin) =>
        createNotesServer({
          resource: `${origin}/mcp`,
          authorizationServers: [iss.issuer],
          verifier: { jwt: { issuers: [{ issuer: iss.issuer }] } },
        }),
      'node',
    )
  })
  after(async () => {
    await running.close()
    await iss.close()
  })

  void it('issue 11 defect 8: an absolute-form target for another origin is 421', async () => {
    const { port, host } = new URL(running.origin)
    const answer = await rawRequest(Number(port), [
      'GET http://evil.example/.well-known/oauth-protected-resource/mcp HTTP/1.1',
      `Host: ${host}`,
    ])
    assert.equal(answer.status, 421)
    assert.doesNotMatch(answer.body, /evil\.example/)
  })

  void it('positive control: the same path in origin-form, and absolute-form for its own origin, serve configured metadata', async () => {
    const { port, host } = new URL(running.origin)
    for (const target of [
      '/.well-known/oauth-protected-resource/mcp',
      `${running.origin}/.well-known/oauth-protected-resource/mcp`,
    ]) {
      const answer = await rawRequest(Number(port), [`GET ${target} HTTP/1.1`, `Host: ${host}`])
      assert.equal(answer.status, 200)
      const metadata = JSON.parse(answer.body) as { resource: string }
      assert.equal(metadata.resource, `${running.origin}/mcp`)
    }
  })
})
