// The MCP 2025-11-25 standalone SSE stream (GET) with `notifications/elicitation/complete`: who
// hears what (only the user and client that started the elicitation), and that a stream never
// outlives its token, a revocation, its cap or the server.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { REVOCATION_CHANNEL } from '@mandate/core'
import type { ProtectedMcpHandler } from '@mandate/server'
import { LINK_COMPLETED_CHANNEL } from '@mandate/server/linking'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { completionNotifications } from '../src/linking/lib/completion-notifications.ts'
import { mcpRequest, protectNotes } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

/** Reads SSE messages from a stream; `next()` resolves with one, or `undefined` at its end. */
function sse(response: Response) {
  const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let prelude = ''
  // The bound guards a hang only (generous for a loaded machine); an end is `undefined`.
  const next = async (timeoutMs = 60_000): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (data === undefined) {
          prelude += `${block}\n`
          continue
        }
        return JSON.parse(data)
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error('no message in time')
      let timer: NodeJS.Timeout | undefined
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            reject(new Error('no message in time'))
          }, left)
        }),
      ]).finally(() => {
        clearTimeout(timer)
      })
      if (chunk.done) return undefined
      buffer += decoder.decode(chunk.value, { stream: true })
    }
  }
  return { next, prelude: () => prelude, cancel: () => reader.cancel() }
}

const completeFor = (elicitationId: string) => ({
  jsonrpc: '2.0',
  method: 'notifications/elicitation/complete',
  params: { elicitationId },
})

void describe('notification stream (GET) with elicitation completions', () => {
  const backend = sqliteBackend()
  let store: Store
  let issuer: TestIssuer
  let rs: ProtectedMcpHandler
  let source: ReturnType<typeof completionNotifications>
  const open = async (claims: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    rs.fetch(
      mcpRequest({
        method: 'GET',
        token: await issuer.token('http://127.0.0.1:4100/mcp', claims),
        headers: { accept: 'text/event-stream', ...headers },
      }),
    )
  const complete = (sub: string, clientId: string, elicitationId: string) =>
    store.publish(LINK_COMPLETED_CHANNEL, {
      sub,
      client_id: clientId,
      provider: 'demo-calendar',
      elicitation_id: elicitationId,
    })

  before(async () => {
    store = await backend.open({ migrate: true })
    issuer = await startTestIssuer()
    source = completionNotifications(store, Date.now)
    rs = protectNotes(issuer, { store, notifications: { source, maxStreamsPerCaller: 2 } })
  })
  after(async () => {
    source.close()
    await rs.close()
    await issuer.close()
    await store.close()
    await backend.cleanup()
  })

  void it('refuses a stream without a token (401 challenge) or without Accept: text/event-stream (406)', async () => {
    const anonymous = await rs.fetch(
      mcpRequest({ method: 'GET', headers: { accept: 'text/event-stream' } }),
    )
    assert.equal(anonymous.status, 401)
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer /)
    const wrongAccept = await open({}, { accept: 'application/json' })
    assert.equal(wrongAccept.status, 406)
  })

  void it('2026-07-28 has no completion notifications: GET is left to the SDK (405)', async () => {
    const modern = await open({}, { 'mcp-protocol-version': '2026-07-28' })
    assert.equal(modern.status, 405)
    await modern.body?.cancel()
  })

  void it('delivers a completion to the user and client that started it, and to no one else', async () => {
    const response = await open({ sub: 'alice', client_id: 'client-1' })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'text/event-stream')
    const stream = sse(response)
    // Same user, another client; same client, another user: neither may hear of it (MCP
    // elicitation "URL Mode": only the client that initiated it).
    await complete('alice', 'client-2', 'for-alice-elsewhere')
    await complete('bob', 'client-1', 'for-bob')
    await complete('alice', 'client-1', 'for-alice')
    assert.deepEqual(await stream.next(), completeFor('for-alice'))
    assert.match(stream.prelude(), /^retry: 1000$/m)
    await stream.cancel()
  })

  void it('a stream opened just after the completion still hears of it; older or others do not', async () => {
    const now = Date.now()
    const row = (id: string, clientId: string, completedAt: number) => ({
      id_hash: `hash-${id}`,
      sub: 'dana',
      client_id: clientId,
      elicitation_id: id,
      provider: 'demo-calendar',
      scopes: '[]',
      status: 'done',
      state: null,
      transaction: null,
      created_at: completedAt - 1_000,
      expires_at: completedAt + 600_000,
      completed_at: completedAt,
    })
    await store.db
      .insertInto('server_pending_links')
      .values([
        row('stale', 'client-1', now - 600_000),
        row('other-client', 'client-9', now - 1_000),
        row('recent', 'client-1', now - 1_000),
      ])
      .execute()
    const stream = sse(await open({ sub: 'dana', client_id: 'client-1' }))
    assert.deepEqual(await stream.next(), completeFor('recent'))
    // Replayed once, not again when the live event for the same id arrives.
    await complete('dana', 'client-1', 'recent')
    await complete('dana', 'client-1', 'live')
    assert.deepEqual(await stream.next(), completeFor('live'))
    await stream.cancel()
  })

  void it('ends when the token expires (the client reconnects with a fresh one)', async () => {
    // Without the expiry timer the stream would last maxStreamSeconds (300 s) and next() would
    // throw at its 60 s bound; the end itself is the proof, not how long it took.
    const stream = sse(await open({ sub: 'erin', exp: Math.floor(Date.now() / 1000) + 2 }))
    assert.equal(await stream.next(), undefined)
  })

  void it('ends when the token is revoked (revocation event), other users’ streams stay', async () => {
    const revoked = sse(await open({ sub: 'frank' }))
    const kept = sse(await open({ sub: 'gina' }))
    await store.publish(REVOCATION_CHANNEL, { type: 'subject', sub: 'frank' })
    assert.equal(await revoked.next(), undefined)
    await complete('gina', 'client-1', 'still-here')
    assert.deepEqual(await kept.next(), completeFor('still-here'))
    await kept.cancel()
  })

  void it('holds at most maxStreamsPerCaller streams per user and client: the oldest ends', async () => {
    const first = sse(await open({ sub: 'hal' }))
    const second = sse(await open({ sub: 'hal' }))
    const third = sse(await open({ sub: 'hal' }))
    assert.equal(await first.next(), undefined)
    await complete('hal', 'client-1', 'to-the-newest')
    assert.deepEqual(await second.next(), completeFor('to-the-newest'))
    assert.deepEqual(await third.next(), completeFor('to-the-newest'))
    await second.cancel()
    await third.cancel()
  })

  void it('endStreams (shutdown) ends every open stream', async () => {
    const one = sse(await open({ sub: 'ivy' }))
    const two = sse(await open({ sub: 'jon' }))
    rs.endStreams()
    assert.equal(await one.next(), undefined)
    assert.equal(await two.next(), undefined)
  })
})
