// URL elicitations from an upstream Mandate did not write (a small official-SDK server over
// stdio, test/support/elicit-server.ts) relayed by the gateway to the calling host only, in the
// host's revision: official SDK v2 clients on 2026-07-28 (input-required rounds) and
// 2025-11-25 (-32042). The URL reaches the host exactly as the upstream sent it, or not at all
// when it is not safe to show (catalogue #185).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { ElicitResult } from '@modelcontextprotocol/client'
import { mintRelayState, readRelayState } from '../src/elicitation/relay-state.ts'
import { isSafeElicitationUrl } from '../src/elicitation/url-safety.ts'
import { startGatewayEnv } from './support/gateway-env.ts'
import type { GatewayEnv } from './support/gateway-env.ts'

const ELICIT_SERVER = fileURLToPath(new URL('./support/elicit-server.ts', import.meta.url))
const textOf = (result: unknown): string =>
  ((result as { content?: { text?: string }[] }).content ?? []).map((b) => b.text ?? '').join('')

/** A host: the SDK v2 client, pinned to a revision, recording every URL it is asked to open. */
interface Host {
  client: Client
  urls: string[]
}

void describe('gateway: URL elicitations from upstreams', () => {
  let env: GatewayEnv
  const tokens = { alice: '', bob: '' }
  before(async () => {
    env = await startGatewayEnv((upstreams) => [
      ...upstreams,
      {
        name: 'elicit',
        transport: { type: 'stdio', command: process.execPath, args: [ELICIT_SERVER] },
        credential: { kind: 'none' },
        policy: [{ action: 'allow' }],
      },
    ])
    tokens.alice = await env.token('alice')
    tokens.bob = await env.token('bob')
  })
  after(async () => {
    await env.close()
  })

  const host = async (
    token: string,
    version: '2026-07-28' | '2025-11-25',
    options: { elicitation?: boolean; answer?: ElicitResult['action'] } = {},
  ): Promise<Host> => {
    const urls: string[] = []
    const client = new Client(
      { name: 'elicitation-test-host', version: '0' },
      {
        capabilities: options.elicitation === false ? {} : { elicitation: { url: {} } },
        versionNegotiation: { mode: version === '2026-07-28' ? { pin: version } : 'legacy' },
      },
    )
    if (options.elicitation !== false) {
      client.setRequestHandler('elicitation/create', (request) => {
        const params = request.params as { url?: string }
        urls.push(params.url ?? '')
        return { action: options.answer ?? 'accept' }
      })
    }
    await client.connect(
      new StreamableHTTPClientTransport(new URL(env.gatewayUrl), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    )
    after(() => client.close())
    return { client, urls }
  }

  void it('URL check: https and loopback http pass unchanged; script, data, plain http and user-info do not', () => {
    for (const url of [
      'https://auth.example.com/authorize?state=x#y',
      'http://127.0.0.1:8080/connect',
      'http://localhost/connect',
    ])
      assert.equal(isSafeElicitationUrl(url), true, url)
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'http://auth.example.com/authorize',
      'https://bank.example@evil.example/',
      'https://auth.example.com/\nx',
      'file:///etc/passwd',
      'https:/',
    ])
      assert.equal(isSafeElicitationUrl(url), false, url)
  })

  void it("catalogue #186: a requestState minted for alice's held request does not resume it for bob", () => {
    const now = 1_000_000
    const alice = { sub: 'alice-sub', clientId: 'host', upstream: 'elicit' }
    const state = mintRelayState({ ...alice, held: 'h1', exp: now + 60_000 })
    // Positive control: alice's own retry reads it.
    assert.equal(readRelayState(state, alice, now)?.held, 'h1')
    assert.equal(readRelayState(state, { ...alice, sub: 'bob-sub' }, now), undefined)
    assert.equal(readRelayState(state, { ...alice, clientId: 'other-host' }, now), undefined)
    assert.equal(readRelayState(state, { ...alice, upstream: 'other' }, now), undefined)
    assert.equal(readRelayState(state, alice, now + 60_000), undefined, 'expired')
    const [body = '', mac = ''] = state.split('.')
    const forged = Buffer.from(
      JSON.stringify({ ...alice, sub: 'bob-sub', held: 'h1', exp: now + 60_000 }),
    ).toString('base64url')
    assert.notEqual(forged, body)
    assert.equal(readRelayState(`${forged}.${mac}`, { ...alice, sub: 'bob-sub' }, now), undefined)
  })

  void it('2026-07-28: an upstream -32042 becomes an input-required round; the retry goes upstream again', async () => {
    const url = 'https://auth.example.com/authorize?round=modern-a'
    const { client, urls } = await host(tokens.alice, '2026-07-28')
    const result = await client.callTool({ name: 'elicit__link_then_work', arguments: { url } })
    assert.deepEqual(urls, [url])
    assert.match(textOf(result), /worked after the person opened the page/)
  })

  void it('2025-11-25: an upstream -32042 reaches the host as -32042 with the URL unchanged; the retry works', async () => {
    const url = 'https://auth.example.com/authorize?round=legacy-a&x=%2F'
    const { client } = await host(tokens.alice, '2025-11-25')
    await assert.rejects(
      client.callTool({ name: 'elicit__link_then_work', arguments: { url } }),
      (error: unknown) => {
        const e = error as { code?: number; elicitations?: { url: string; mode: string }[] }
        return e.code === -32042 && e.elicitations?.[0]?.url === url
      },
    )
    const again = await client.callTool({ name: 'elicit__link_then_work', arguments: { url } })
    assert.match(textOf(again), /worked/)
  })

  void it('2026-07-28: elicitation/create (URL mode) is held on the caller session and answered from its round', async () => {
    const url = 'https://auth.example.com/consent?held=1'
    const accepting = await host(tokens.alice, '2026-07-28')
    const accepted = await accepting.client.callTool({
      name: 'elicit__ask_url',
      arguments: { url },
    })
    assert.deepEqual(accepting.urls, [url])
    assert.equal(textOf(accepted), 'answer: accept')
    const declining = await host(tokens.alice, '2026-07-28', { answer: 'decline' })
    const declined = await declining.client.callTool({
      name: 'elicit__ask_url',
      arguments: { url },
    })
    assert.deepEqual(declining.urls, [url])
    assert.equal(textOf(declined), 'answer: decline')
  })

  void it('2025-11-25: elicitation/create (URL mode) becomes -32042 for the caller; the upstream hears cancel', async () => {
    const url = 'https://auth.example.com/consent?held=legacy'
    const { client, urls } = await host(tokens.bob, '2025-11-25')
    await assert.rejects(
      client.callTool({ name: 'elicit__ask_url', arguments: { url } }),
      (error: unknown) => {
        const e = error as { code?: number; elicitations?: { url: string }[] }
        return e.code === -32042 && e.elicitations?.[0]?.url === url
      },
    )
    assert.deepEqual(urls, [], 'stateless 2025-11-25: no server→client request')
    const last = await client.callTool({ name: 'elicit__last_answer', arguments: {} })
    assert.equal(textOf(last), 'cancel')
  })

  void it('catalogue #185: a javascript: or data: URL from the upstream never reaches the host (https positive control)', async () => {
    const { client, urls } = await host(tokens.alice, '2026-07-28')
    for (const url of ['javascript:alert(document.cookie)', 'data:text/html,<b>x</b>']) {
      const pushed = await client.callTool({ name: 'elicit__ask_url', arguments: { url } })
      assert.equal(textOf(pushed), 'answer: decline', url)
      const failed = await client.callTool({ name: 'elicit__link_then_work', arguments: { url } })
      assert.equal(failed.isError, true)
      assert.match(textOf(failed), /link the gateway does not allow/)
      assert.equal(textOf(failed).includes(url), false)
    }
    assert.deepEqual(urls, [])
    // Positive control: the same host is shown an https URL.
    const ok = 'https://auth.example.com/consent?control=1'
    const shown = await client.callTool({ name: 'elicit__ask_url', arguments: { url: ok } })
    assert.equal(textOf(shown), 'answer: accept')
    assert.deepEqual(urls, [ok])
  })

  void it("isolation: user B never receives user A's elicitation, even while both call at once", async () => {
    const alice = await host(tokens.alice, '2026-07-28')
    const bob = await host(tokens.bob, '2026-07-28')
    const aliceUrl = 'https://auth.example.com/consent?for=alice'
    const bobUrl = 'https://auth.example.com/consent?for=bob'
    const [a, b] = await Promise.all([
      alice.client.callTool({ name: 'elicit__ask_url', arguments: { url: aliceUrl } }),
      bob.client.callTool({ name: 'elicit__ask_url', arguments: { url: bobUrl } }),
    ])
    assert.equal(textOf(a), 'answer: accept')
    assert.equal(textOf(b), 'answer: accept')
    assert.deepEqual(alice.urls, [aliceUrl])
    assert.deepEqual(bob.urls, [bobUrl])
  })

  void it('a host without URL elicitation is never sent one: the upstream request is declined, -32042 becomes a message without the URL', async () => {
    const { client } = await host(tokens.bob, '2026-07-28', { elicitation: false })
    const url = 'https://auth.example.com/authorize?round=none'
    const failed = await client.callTool({ name: 'elicit__link_then_work', arguments: { url } })
    assert.equal(failed.isError, true)
    assert.match(textOf(failed), /cannot show such requests/)
    assert.equal(textOf(failed).includes(url), false)
    const pushed = await client.callTool({ name: 'elicit__ask_url', arguments: { url } })
    // Declined by the gateway (this session was opened by a host of bob's that could show URLs),
    // or refused by the upstream's SDK (a session that never declared URL elicitation).
    assert.match(textOf(pushed), /^answer: (decline|error)/)
  })

  void it('form-mode elicitation from an upstream is declined', async () => {
    const { client, urls } = await host(tokens.alice, '2026-07-28')
    const result = await client.callTool({ name: 'elicit__ask_form', arguments: {} })
    assert.match(textOf(result), /^answer: (decline|error)/)
    assert.deepEqual(urls, [])
  })
})
