// Shared stdio upstreams (issue 15): `transport.shared` runs one process for every user, only
// with a static (or no) credential. Two users' calls, at once, go through the same process and
// are each answered; audit still names each user. A shared process with a per-user credential
// (vault, exchange) is refused at configuration time; per-user processes stay the default.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { createGateway } from '../src/index.ts'
import type { UpstreamOptions } from '../src/index.ts'
import { startGatewayEnv, STATIC_SECRET } from './support/gateway-env.ts'
import { ENV_TOKEN_SERVER } from './support/servers.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const textOf = (result: unknown): string =>
  ((result as { content?: { type: string; text?: string }[] }).content ?? [])
    .map((block) => block.text ?? '')
    .join('')

const sharedUpstream = (shared: boolean): UpstreamOptions => ({
  name: shared ? 'shared' : 'own',
  transport: { type: 'stdio', command: process.execPath, args: [ENV_TOKEN_SERVER], shared },
  credential: { kind: 'static', value: STATIC_SECRET, env: 'UPSTREAM_TOKEN' },
  policy: [{ tools: ['pid', 'token_hash'], action: 'allow' }],
})

void describe('gateway: a stdio upstream shared between users', () => {
  let env: GatewayEnv
  before(async () => {
    env = await startGatewayEnv((upstreams) => [
      ...upstreams,
      sharedUpstream(true),
      sharedUpstream(false),
    ])
  })
  after(async () => {
    await env.close()
  })

  void it('serves two users from one process, calls multiplexed, audit naming each user', async () => {
    const tokens = [await env.token('alice'), await env.token('bob')]
    const [alice, bob] = await Promise.all(tokens.map((token) => env.connect(token)))
    assert.ok(alice !== undefined && bob !== undefined)
    env.audit.length = 0
    const pids = await Promise.all(
      [alice, bob, alice, bob].map(async (client) =>
        textOf(await client.callTool({ name: 'shared__pid', arguments: {} })),
      ),
    )
    assert.match(pids[0] ?? '', /^\d+$/)
    assert.equal(new Set(pids).size, 1, 'one process for both users')
    const users = env.audit
      .filter((event) => event.type === 'gateway.tool_call')
      .map((event) => [
        (event as { sub?: string }).sub,
        (event as { credential?: string }).credential,
      ])
    const subs = tokens.map((token) => decodeJwt(token).sub)
    assert.equal(users.length, 4)
    for (const sub of subs) {
      assert.equal(users.filter(([who]) => who === sub).length, 2, 'each user audited')
    }
    assert.ok(users.every(([, credential]) => credential === 'static'))
  })

  void it('keeps a process per user without `shared` (positive control)', async () => {
    const [alice, bob] = await Promise.all(
      [await env.token('alice'), await env.token('bob')].map((token) => env.connect(token)),
    )
    assert.ok(alice !== undefined && bob !== undefined)
    const a = textOf(await alice.callTool({ name: 'own__pid', arguments: {} }))
    const b = textOf(await bob.callTool({ name: 'own__pid', arguments: {} }))
    assert.notEqual(a, b)
  })
})

void describe('gateway: `shared` needs a credential that is not per user', () => {
  const base = {
    resource: 'http://127.0.0.1:1/mcp',
    authorizationServers: ['http://127.0.0.1:2'],
    verifier: { jwt: { issuers: [{ issuer: 'http://127.0.0.1:2' }] } },
    tokenExchange: { tokenEndpoint: 'http://127.0.0.1:2/token', clientId: 'g', clientSecret: 's' },
  }
  const withCredential = (credential: UpstreamOptions['credential']) =>
    createGateway({ ...base, upstreams: [{ ...sharedUpstream(true), credential }] })

  void it('refuses a shared process with an exchanged token or a linked account, names the key', () => {
    const refused = (error: unknown) =>
      (error as { code?: string }).code === 'ERR_CONFIGURATION' &&
      (error as { key?: string }).key === 'gateway.upstreams[0].transport.shared'
    const exchange = { resource: 'http://127.0.0.1:3/mcp', scopes: ['a'], env: 'UPSTREAM_TOKEN' }
    assert.throws(() => withCredential({ kind: 'exchange', ...exchange }), refused)
    assert.throws(
      () => withCredential({ kind: 'vault', provider: 'github', env: 'UPSTREAM_TOKEN' }),
      refused,
    )
  })

  void it('accepts static and no credentials (positive controls)', async () => {
    await withCredential({ kind: 'static', value: STATIC_SECRET, env: 'UPSTREAM_TOKEN' }).close()
    await withCredential({ kind: 'none' }).close()
  })
})
