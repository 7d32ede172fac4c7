// Per-user isolation and policy, against the same real upstreams: user B never gets user A's
// upstream session, process or credential; policy hides and refuses; a condition that cannot
// be evaluated denies. Every negative test has its positive control beside it.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { ENV_PROVIDER, startGatewayEnv } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const textOf = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((b) => b.text ?? '').join('')
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex')
const KEYS = { alice: 'env-key-alice-0123456789abcdef', bob: 'env-key-bob-0123456789abcdef' }

void describe('gateway: per-user isolation and policy', () => {
  let env: GatewayEnv
  const tokens = { alice: '', bob: '' }
  const subs = { alice: '', bob: '' }
  before(async () => {
    env = await startGatewayEnv()
    for (const user of ['alice', 'bob'] as const) {
      tokens[user] = await env.token(user)
      subs[user] = decodeJwt(tokens[user]).sub ?? ''
      await env.vault.saveApiKey({
        sub: subs[user],
        provider: ENV_PROVIDER,
        account: 'default',
        apiKey: KEYS[user],
      })
    }
  })
  after(async () => {
    await env.close()
  })

  void it("user B never gets user A's upstream process or credential", async () => {
    const alice = await env.connect(tokens.alice)
    const bob = await env.connect(tokens.bob)
    const alicePid = textOf(await alice.callTool({ name: 'envtoken__pid', arguments: {} }))
    const bobPid = textOf(await bob.callTool({ name: 'envtoken__pid', arguments: {} }))
    assert.notEqual(bobPid, alicePid)
    const bobHash = textOf(await bob.callTool({ name: 'envtoken__token_hash', arguments: {} }))
    assert.equal(bobHash, sha256(KEYS.bob))
    // Positive control: alice's next call reuses her own process and credential.
    const again = await env.connect(tokens.alice)
    assert.equal(textOf(await again.callTool({ name: 'envtoken__pid', arguments: {} })), alicePid)
    const aliceHash = textOf(await again.callTool({ name: 'envtoken__token_hash', arguments: {} }))
    assert.equal(aliceHash, sha256(KEYS.alice))
  })

  void it("user B never gets user A's exchanged token", async () => {
    const alice = await env.connect(tokens.alice)
    const bob = await env.connect(tokens.bob)
    const whoAlice = JSON.parse(
      textOf(await alice.callTool({ name: 'notes__whoami', arguments: {} })),
    ) as { sub: string }
    const whoBob = JSON.parse(
      textOf(await bob.callTool({ name: 'notes__whoami', arguments: {} })),
    ) as { sub: string }
    assert.deepEqual([whoAlice.sub, whoBob.sub], [subs.alice, subs.bob])
  })

  void it('a tool denied by policy is absent from tools/list and refused on call', async () => {
    const client = await env.connect(tokens.alice)
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    assert.equal(names.includes('everything__get-tiny-image'), false)
    await assert.rejects(client.callTool({ name: 'everything__get-tiny-image', arguments: {} }), {
      code: -32602,
      message: /tool not available: everything__get-tiny-image/,
    })
    const denied = env.audit.findLast((e) => e.type === 'gateway.tool_call')
    assert.equal(denied?.outcome, 'denied')
    // Positive control: an allowed tool of the same upstream is listed and runs.
    assert.ok(names.includes('everything__echo'))
    assert.match(
      textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'ok' } })),
      /ok/,
    )
  })

  void it('a condition on the arguments decides each call', async () => {
    const client = await env.connect(tokens.alice)
    await assert.rejects(
      client.callTool({ name: 'everything__get-sum', arguments: { a: 500, b: 1 } }),
      {
        code: -32602,
        message: /tool not available/,
      },
    )
    assert.match(
      textOf(await client.callTool({ name: 'everything__get-sum', arguments: { a: 5, b: 1 } })),
      /6/,
    )
  })

  void it('a condition on the claims decides per user', async () => {
    const alice = await env.connect(tokens.alice)
    const bob = await env.connect(tokens.bob)
    const listed = async (c: typeof alice) => (await c.listTools()).tools.map((t) => t.name)
    assert.equal((await listed(bob)).includes('everything__get-structured-content'), false)
    await assert.rejects(
      bob.callTool({
        name: 'everything__get-structured-content',
        arguments: { location: 'Chicago' },
      }),
      { code: -32602, message: /tool not available/ },
    )
    assert.ok((await listed(alice)).includes('everything__get-structured-content'))
    const result = await alice.callTool({
      name: 'everything__get-structured-content',
      arguments: { location: 'Chicago' },
    })
    assert.notEqual(result.isError, true)
  })

  void it('a policy that fails to evaluate denies', async () => {
    const client = await env.connect(tokens.alice)
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    assert.equal(names.includes('everything__get-annotated-message'), false)
    await assert.rejects(
      client.callTool({
        name: 'everything__get-annotated-message',
        arguments: { messageType: 'success' },
      }),
      { code: -32602, message: /tool not available/ },
    )
    const denied = env.audit.findLast((e) => e.type === 'gateway.tool_call')
    assert.match(
      denied?.type === 'gateway.tool_call' ? (denied.reason ?? '') : '',
      /failed to evaluate/,
    )
    // Positive control: a condition that evaluates (claims.sub) allows the same user.
    assert.ok(names.includes('everything__get-structured-content'))
  })

  void it('required scopes: a token without them gets a step-up challenge, not the tool', async () => {
    const narrow = await env.token('alice', 'gateway')
    const call = (token: string) =>
      fetch(env.gatewayUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'notes__whoami', arguments: {} },
        }),
      })
    const refused = await call(narrow)
    assert.equal(refused.status, 403)
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/)
    // Positive control: the same request with notes:read passes the HTTP layer.
    const accepted = await call(tokens.alice)
    assert.equal(accepted.status, 200)
  })

  // Last: it changes the policy the other tests rely on.
  void it('policies reload without a restart; an invalid reload changes nothing', async () => {
    const client = await env.connect(tokens.alice)
    const allowEcho = [{ tools: ['echo', 'get-env'], action: 'allow' as const }]
    assert.throws(
      () => {
        env.gateway.reloadPolicies({ everything: [{ action: 'allow', when: 'tool ==' }] })
      },
      { code: 'ERR_CONFIGURATION', message: /invalid CEL/ },
    )
    // Positive control: the invalid reload left the policy as it was.
    assert.match(
      textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'a' } })),
      /a/,
    )
    env.gateway.reloadPolicies({ everything: [{ tools: ['echo'], action: 'deny' }, ...allowEcho] })
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    assert.equal(names.includes('everything__echo'), false)
    assert.ok(names.includes('everything__get-env'))
    await assert.rejects(
      client.callTool({ name: 'everything__echo', arguments: { message: 'b' } }),
      {
        code: -32602,
        message: /tool not available/,
      },
    )
  })
})
