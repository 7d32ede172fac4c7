// The `risk` policy variable through the gateway's test env (server-everything over stdio, the
// SDK v2 client): a write is refused from a network the user has not signed in from and allowed
// from one they have (positive control); with no usable source address the signal cannot be
// computed and the condition denies (fail closed). The history is the authorization server's
// own `login.succeeded` events (each sign-in of this test comes from loopback).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { networkOf } from '../src/risk/network.ts'
import type { RiskHistory } from '../src/index.ts'
import { startGatewayEnv } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const PROXY_HEADER = 'x-test-forwarded-for'
const fields = (event: object) => event as { sub?: string; client_id?: string }
const text = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((p) => p.text ?? '').join('')

void describe('gateway: risk.new_network and risk.new_client', () => {
  let env: GatewayEnv
  let token: string
  const opened: Client[] = []
  /** History reads (each a store query under `mandate serve`). */
  let lookups = 0

  /** The SDK v2 client, through a "proxy" that reports `source` as the caller's address. */
  const connect = async (source?: string): Promise<Client> => {
    const client = new Client({ name: 'gateway-risk', version: '0' })
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (source !== undefined) headers[PROXY_HEADER] = source
    await client.connect(
      new StreamableHTTPClientTransport(new URL(env.gatewayUrl), { requestInit: { headers } }),
    )
    opened.push(client)
    return client
  }
  const sum = (client: Client) =>
    client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } })

  before(async () => {
    env = await startGatewayEnv(
      (upstreams) =>
        upstreams.map((u) =>
          u.name === 'everything'
            ? {
                ...u,
                policy: [
                  {
                    tools: ['get-sum'],
                    action: 'deny' as const,
                    when: "phase == 'call' && risk.new_network",
                  },
                  {
                    tools: ['get-env'],
                    action: 'allow' as const,
                    when: "phase == 'list' || !risk.new_client",
                  },
                  { tools: ['echo', 'get-sum'], action: 'allow' as const },
                ],
              }
            : u,
        ),
      (h) => {
        const history: RiskHistory = {
          signInAddresses: (sub) => {
            lookups++
            return Promise.resolve(
              h.audit
                .filter((e) => e.type === 'login.succeeded' && fields(e).sub === sub)
                .map(() => '127.0.0.1'),
            )
          },
          firstUseOfClient: (sub, clientId) => {
            lookups++
            const used = h.audit.some(
              (e) => fields(e).sub === sub && fields(e).client_id === clientId,
            )
            return Promise.resolve(used ? Date.now() : undefined)
          },
        }
        return {
          risk: { history },
          sourceAddress: (request) => request.headers.get(PROXY_HEADER) ?? undefined,
        }
      },
    )
    token = await env.token('alice')
  })
  after(async () => {
    for (const client of opened) await client.close()
    await env.close()
  })

  void it('allows a write from the network of a sign-in (positive control)', async () => {
    const client = await connect('127.0.0.200')
    assert.match(text(await sum(client)), /3/)
  })

  void it('refuses a write from a network the user never signed in from', async () => {
    const client = await connect('203.0.113.7')
    await assert.rejects(sum(client), {
      code: -32602,
      message: /tool not available: everything__get-sum/,
    })
    const echoed = await client.callTool({ name: 'everything__echo', arguments: { message: 'ok' } })
    assert.match(text(echoed), /ok/)
  })

  void it('denies when the signal cannot be computed (no source address)', async () => {
    for (const source of [undefined, 'not-an-address']) {
      const client = await connect(source)
      await assert.rejects(sum(client), { code: -32602, message: /tool not available/ })
    }
  })

  void it('a client the user started using just now is new', async () => {
    const client = await connect('127.0.0.200')
    await assert.rejects(client.callTool({ name: 'everything__get-env', arguments: {} }), {
      code: -32602,
      message: /tool not available: everything__get-env/,
    })
  })

  void it('reads the history when a policy of the called upstream reads risk', async () => {
    lookups = 0
    const client = await connect('192.0.2.10')
    await assert.rejects(sum(client), { code: -32602, message: /tool not available/ })
    assert.ok(lookups > 0)
  })

  void it('reads no history for an upstream whose policy does not read risk', async () => {
    // A /24 no earlier test used: the signal is cached a minute per network.
    const client = await connect('198.18.0.20')
    lookups = 0
    const echoed = await client.callTool({ name: 'web__echo', arguments: { message: 'web' } })
    assert.match(text(echoed), /web/)
    assert.equal(lookups, 0)
  })

  void it('reads no history once no policy reads risk, and again after a reload', async () => {
    env.gateway.reloadPolicies({ everything: [{ tools: ['echo', 'get-sum'], action: 'allow' }] })
    lookups = 0
    // A /24 no earlier test used: the signal is cached a minute per network.
    const client = await connect('198.51.100.30')
    const listed = await client.listTools()
    assert.ok(listed.tools.some((t) => t.name === 'everything__get-sum'))
    assert.match(text(await sum(client)), /3/)
    assert.equal(lookups, 0)
    env.gateway.reloadPolicies({
      everything: [{ tools: ['get-sum'], action: 'allow', when: '!risk.new_network' }],
    })
    await assert.rejects(sum(client), { code: -32602, message: /tool not available/ })
    assert.notEqual(lookups, 0)
    // The signal cannot be computed (no source address): the condition still denies.
    await assert.rejects(sum(await connect()), { code: -32602, message: /tool not available/ })
  })

  void it('groups addresses into /24 (IPv4) and /56 (IPv6) networks', () => {
    assert.equal(networkOf('198.51.100.7'), '198.51.100.0/24')
    assert.equal(networkOf('::ffff:198.51.100.7'), '198.51.100.0/24')
    assert.equal(networkOf('2001:db8:1:2345::1'), '2001:db8:1:2300::/56')
    assert.equal(networkOf('2001:db8:1:23ff:ffff::9'), '2001:db8:1:2300::/56')
    assert.notEqual(networkOf('2001:db8:1:2445::1'), networkOf('2001:db8:1:2345::1'))
    assert.equal(networkOf('not-an-address'), undefined)
  })
})
