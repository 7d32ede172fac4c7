// The gateway in front of real MCP servers: server-everything over stdio and Streamable HTTP
// (static service credential), the notes example (token exchange with an act chain the upstream
// checks), and a stdio server reading a vault-injected credential from its environment.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { GATEWAY_CLIENT, PUBLIC_CLIENT } from '../../authorization-server/test/support/harness.ts'
import { ENV_PROVIDER, startGatewayEnv, STATIC_SECRET } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const textOf = (result: unknown): string =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((block) => block.text ?? '')
    .join('')
const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex')
const ENV_KEY = 'env-key-of-alice-0123456789abcdef'

void describe('gateway: upstreams Mandate did not write', () => {
  let env: GatewayEnv
  let aliceToken: string
  let alice: string
  before(async () => {
    env = await startGatewayEnv()
    aliceToken = await env.token('alice')
    alice = decodeJwt(aliceToken).sub ?? ''
    await env.vault.saveApiKey({
      sub: alice,
      provider: ENV_PROVIDER,
      account: 'default',
      apiKey: ENV_KEY,
    })
  })
  after(async () => {
    await env.close()
  })

  void it('merges tools/list from every upstream, prefixed, filtered by policy', async () => {
    const client = await env.connect(aliceToken)
    const names = (await client.listTools()).tools.map((tool) => tool.name).sort()
    for (const expected of [
      'everything__echo',
      'everything__get-env',
      'everything__get-sum',
      'web__echo',
      'notes__whoami',
      'notes__list_notes',
      'envtoken__token_hash',
    ]) {
      assert.ok(names.includes(expected), `${expected} is listed`)
    }
    // Only what an allow rule names: everything else of server-everything stays hidden.
    assert.equal(names.includes('web__get-env'), false)
    assert.equal(names.includes('notes__read_note'), false)
  })

  void it('forwards tools/call over stdio and Streamable HTTP', async () => {
    const client = await env.connect(aliceToken)
    const stdio = await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } })
    assert.match(textOf(stdio), /hi/)
    const http = await client.callTool({ name: 'web__echo', arguments: { message: 'over http' } })
    assert.match(textOf(http), /over http/)
    const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } })
    assert.match(textOf(sum), /5/)
  })

  void it('token exchange: the notes upstream gets its own audience, fewer scopes and the act chain', async () => {
    const client = await env.connect(aliceToken)
    env.notesIdentities.length = 0
    const who = JSON.parse(
      textOf(await client.callTool({ name: 'notes__whoami', arguments: {} })),
    ) as {
      sub: string
      client_id: string
      scopes: string[]
    }
    assert.equal(who.sub, alice)
    assert.equal(who.client_id, GATEWAY_CLIENT)
    assert.deepEqual(who.scopes, ['notes:read'])
    // user → client → gateway, as the upstream verified it (RFC 8693 §4.1).
    assert.deepEqual(env.notesIdentities[0]?.act, {
      sub: GATEWAY_CLIENT,
      act: { sub: PUBLIC_CLIENT },
    })
  })

  void it('token exchange: a cached exchanged token is reused until near expiry', async () => {
    const client = await env.connect(aliceToken)
    const before = env.h.audit.filter((event) => event.type === 'token.exchanged').length
    await client.callTool({ name: 'notes__whoami', arguments: {} })
    await client.callTool({ name: 'notes__list_notes', arguments: {} })
    const exchanged = env.h.audit.filter((event) => event.type === 'token.exchanged').length
    assert.equal(exchanged, before, 'no new exchange for the same caller token')
  })

  void it("the client's token never reaches an upstream (each records what it received)", async () => {
    const client = await env.connect(aliceToken)
    await client.callTool({ name: 'web__echo', arguments: { message: 'x' } })
    await client.callTool({ name: 'notes__whoami', arguments: {} })
    const envText = textOf(await client.callTool({ name: 'everything__get-env', arguments: {} }))
    const hashes = textOf(await client.callTool({ name: 'envtoken__env_hashes', arguments: {} }))
    const leaks = [
      env.received.notes.some((line) => line.includes(aliceToken)),
      env.received.everything.some((line) => line.includes(aliceToken)),
      envText.includes(aliceToken),
      hashes.includes(sha256(aliceToken)),
    ]
    assert.deepEqual(leaks, [false, false, false, false])
    // Positive controls: each upstream did receive the credential meant for it.
    assert.equal(env.received.everything.includes(`authorization: Bearer ${STATIC_SECRET}`), true)
    assert.equal(
      env.received.notes.some((line) => /^authorization: Bearer ey/.test(line)),
      true,
    )
    assert.equal(envText.includes(STATIC_SECRET), true)
    assert.equal(hashes.includes(sha256(ENV_KEY)), true)
  })

  void it("vault: the user's linked account is injected into the stdio upstream's environment", async () => {
    const client = await env.connect(aliceToken)
    const hash = textOf(await client.callTool({ name: 'envtoken__token_hash', arguments: {} }))
    assert.equal(hash, sha256(ENV_KEY))
  })

  void it('vault: without a linked account the gateway starts account linking', async () => {
    const client = await env.connect(await env.token('bob'))
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    assert.ok(names.includes('envtoken__connect_account'))
    assert.equal(names.includes('envtoken__token_hash'), false)
    const answer = await client.callTool({ name: 'envtoken__token_hash', arguments: {} })
    assert.match(textOf(answer), /\/connect\/[\w-]+/)
    assert.equal(answer.isError, true)
  })

  void it('audits every hop with the credential kind, static ones marked as such', async () => {
    const client = await env.connect(aliceToken)
    env.audit.length = 0
    await client.callTool({ name: 'web__echo', arguments: { message: 'a' } })
    await client.callTool({ name: 'notes__whoami', arguments: {} })
    const hops = env.audit.map((event) =>
      event.type === 'gateway.tool_call'
        ? [event.upstream, event.credential, event.outcome, event.sub]
        : [],
    )
    assert.deepEqual(hops, [
      ['web', 'static', 'allowed', alice],
      ['notes', 'exchange', 'allowed', alice],
    ])
    assert.equal(JSON.stringify(env.audit).includes(aliceToken), false)
  })

  void it('forwards prompts and resources that policy allows, and only those', async () => {
    const client = await env.connect(aliceToken)
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name)
    assert.ok(prompts.includes('everything__simple-prompt'))
    assert.equal(prompts.includes('everything__args-prompt'), false)
    const prompt = await client.getPrompt({ name: 'everything__simple-prompt' })
    assert.ok(prompt.messages.length > 0)
    await assert.rejects(
      client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'x' } }),
      { code: -32602, message: /prompt not available/ },
    )
    const uris = (await client.listResources()).resources.map((r) => r.uri)
    const document = uris.find((uri) => uri.startsWith('demo://resource/static/'))
    assert.ok(document !== undefined)
    assert.equal(
      uris.some((uri) => !uri.startsWith('demo://resource/static/')),
      false,
    )
    const read = await client.readResource({ uri: document })
    assert.equal(read.contents[0]?.uri, document)
    await assert.rejects(client.readResource({ uri: 'demo://resource/session/x' }), {
      code: -32602,
      message: /resource not available/,
    })
  })
})
