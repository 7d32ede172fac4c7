// MCP 2025-11-25 POST streams are primed (an event `id`, empty data, `retry`) and resumable
// with `Last-Event-ID` (Streamable HTTP "Resumability and Redelivery", SEP-1699): by the same
// user and client only, within per-caller bounds, and the call survives the client going away;
// a resumed stream ends when its token is revoked, as a notification stream does.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { REVOCATION_CHANNEL } from '@mandate/core'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { Store } from '@mandate/store'
import type { McpServer } from '@modelcontextprotocol/server'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { RESUMABLE_STREAM_LIMITS } from '../src/http/resumable-streams.ts'
import { mcpRequest, protectNotes } from './support/harness.ts'
import { serveProtected } from './support/serve.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

interface Frame {
  id: string | undefined
  data: string | undefined
  retry: string | undefined
}

/** Reads SSE frames (blank-line separated); `next()` is `undefined` at the stream's end. */
function frames(response: Response) {
  const reader = (response.body ?? new ReadableStream<Uint8Array>()).getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const field = (block: string, name: string): string | undefined =>
    new RegExp(`^${name}: ?(.*)$`, 'm').exec(block)?.[1]
  const next = async (): Promise<Frame | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        return { id: field(block, 'id'), data: field(block, 'data'), retry: field(block, 'retry') }
      }
      const chunk = await reader.read()
      if (chunk.done) return undefined
      buffer += decoder.decode(chunk.value, { stream: true })
    }
  }
  return { next, cancel: () => reader.cancel() }
}

/** A gate the slow tool waits on: the test opens it (an event, not a timer). */
function gate() {
  let open = (): void => undefined
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return {
    opened,
    open: () => {
      open()
    },
  }
}

void describe('resumable POST streams (2025-11-25)', () => {
  const backend = sqliteBackend()
  let store: Store
  let issuer: TestIssuer
  let rs: ProtectedMcpHandler
  let current = gate()
  const token = (sub: string, clientId = 'client-1', jti: string = randomUUID()) =>
    issuer.token('http://127.0.0.1:4100/mcp', { sub, client_id: clientId, jti })
  const call = async (sub: string, tool = 'wait_for_gate', clientId = 'client-1', jti?: string) =>
    rs.fetch(mcpRequest({ token: await token(sub, clientId, jti), tool }))
  const resume = async (sub: string, lastEventId: string, clientId = 'client-1', jti?: string) =>
    rs.fetch(
      mcpRequest({
        method: 'GET',
        token: await token(sub, clientId, jti),
        headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
      }),
    )
  /** Starts a call, reads its priming event and walks away: the id to resume from. */
  const startAndLeave = async (sub: string, tool = 'wait_for_gate', jti?: string) => {
    const response = await call(sub, tool, 'client-1', jti)
    assert.equal(response.headers.get('content-type'), 'text/event-stream')
    const stream = frames(response)
    const priming = await stream.next()
    await stream.cancel()
    assert.ok(priming?.id !== undefined)
    return priming.id
  }

  /** Which `abortable` calls (by start order) were stopped, and a wait for the next stop. */
  const stopped: number[] = []
  let onStop = (): void => undefined
  let started = 0
  const extend = (server: McpServer): void => {
    server.registerTool('wait_for_gate', { description: 'waits for the test' }, async () => {
      await current.opened
      return { content: [{ type: 'text', text: 'gate opened' }] }
    })
    server.registerTool('abortable', { description: 'waits; records a stop' }, async (ctx) => {
      const n = started++
      await new Promise<void>((resolve) => {
        ctx.mcpReq.signal.addEventListener('abort', () => {
          stopped.push(n)
          onStop()
          resolve()
        })
        void current.opened.then(resolve)
      })
      return { content: [{ type: 'text', text: 'gate opened' }] }
    })
  }

  before(async () => {
    store = await backend.open({ migrate: true })
    issuer = await startTestIssuer()
    rs = protectNotes(issuer, { extend, store })
  })
  after(async () => {
    current.open()
    await rs.close()
    await issuer.close()
    await store.close()
    await backend.cleanup()
  })

  void it('primes the stream with an id, empty data and retry, then numbers the answer', async () => {
    current = gate()
    current.open()
    const stream = frames(await call('alice'))
    const priming = await stream.next()
    assert.equal(priming?.retry, '1000')
    assert.equal(priming.data, '')
    assert.match(priming.id ?? '', /^[\w-]{22}:0$/)
    const answer = await stream.next()
    assert.equal(answer?.id, priming.id?.replace(/:0$/, ':1'))
    assert.match(answer?.data ?? '', /gate opened/)
    assert.equal(await stream.next(), undefined)
  })

  void it('a client that went away resumes with Last-Event-ID and gets the answer', async () => {
    current = gate()
    const lastEventId = await startAndLeave('alice')
    const resumed = await resume('alice', lastEventId)
    assert.equal(resumed.status, 200)
    current.open()
    const stream = frames(resumed)
    assert.equal((await stream.next())?.retry, '1000')
    const answer = await stream.next()
    assert.match(answer?.data ?? '', /gate opened/)
    assert.equal(await stream.next(), undefined)
    // Once finished, it can still be replayed from the priming event (within the retention).
    const again = frames(await resume('alice', lastEventId))
    await again.next()
    assert.match((await again.next())?.data ?? '', /gate opened/)
  })

  void it('over a socket, the call goes on after the client disconnects', async (t) => {
    current = gate()
    const running = await serveProtected(
      (origin) => protectNotes(issuer, { resource: `${origin}/mcp`, extend }),
      'node',
    )
    t.after(() => running.close())
    const url = `${running.origin}/mcp`
    const bearer = await issuer.token(url, { sub: 'erin' })
    const leaving = new AbortController()
    const post = mcpRequest({ token: bearer, url, tool: 'wait_for_gate' })
    const response = await fetch(post, { signal: leaving.signal })
    const priming = await frames(response).next()
    leaving.abort()
    const resumed = await fetch(
      mcpRequest({
        method: 'GET',
        token: bearer,
        url,
        headers: { accept: 'text/event-stream', 'last-event-id': priming?.id ?? '' },
      }),
    )
    assert.equal(resumed.status, 200)
    current.open()
    const stream = frames(resumed)
    await stream.next()
    assert.match((await stream.next())?.data ?? '', /gate opened/)
  })

  void it('another user, or the same user through another client, cannot resume it (404)', async () => {
    current = gate()
    current.open()
    const lastEventId = await startAndLeave('alice')
    const bob = await resume('bob', lastEventId)
    assert.equal(bob.status, 404)
    assert.doesNotMatch(await bob.text(), /gate opened/)
    const otherClient = await resume('alice', lastEventId, 'client-2')
    assert.equal(otherClient.status, 404)
    assert.doesNotMatch(await otherClient.text(), /gate opened/)
    // Positive control: the owner, same id, same moment.
    const alice = await resume('alice', lastEventId)
    assert.equal(alice.status, 200)
    assert.match(await alice.text(), /gate opened/)
    // An id that was never given is answered the same way as a foreign one.
    assert.equal((await resume('alice', 'AAAAAAAAAAAAAAAAAAAAAA:0')).status, 404)
  })

  void it('keeps a bounded number of streams per caller; others do not evict them', async () => {
    current = gate()
    current.open()
    const limit = RESUMABLE_STREAM_LIMITS.maxStreamsPerCaller
    const carolFirst = await startAndLeave('carol', 'whoami')
    const carolLast = await startAndLeave('carol', 'whoami')
    // Dave fills his own quota many times over, in parallel: carol's streams stay.
    await Promise.all(Array.from({ length: limit * 2 }, () => startAndLeave('dave', 'whoami')))
    assert.equal((await resume('carol', carolFirst)).status, 200)
    const daveIds = await Promise.all(
      Array.from({ length: limit }, () => startAndLeave('dave', 'whoami')),
    )
    const statuses = await Promise.all(daveIds.map(async (id) => (await resume('dave', id)).status))
    assert.deepEqual(
      statuses,
      daveIds.map(() => 200),
      daveIds.join(' '),
    )
    // Carol's own new streams push her oldest out; her newest stays.
    await Promise.all(Array.from({ length: limit - 1 }, () => startAndLeave('carol', 'whoami')))
    assert.equal((await resume('carol', carolFirst)).status, 404)
    assert.equal((await resume('carol', carolLast)).status, 200)
  })

  void it('a call whose client left stops when its stream is forgotten (per-caller bound)', async () => {
    current = gate()
    const limit = RESUMABLE_STREAM_LIMITS.maxStreamsPerCaller
    const ids: string[] = []
    for (let i = 0; i < limit; i++) ids.push(await startAndLeave('gina', 'abortable'))
    // Positive control: within the bound, every call goes on (their clients are gone).
    assert.deepEqual(stopped, [])
    assert.equal((await resume('gina', ids[0] ?? '')).status, 200)
    const stop = new Promise<void>((resolve) => {
      onStop = resolve
    })
    await startAndLeave('gina', 'abortable')
    await stop
    // The oldest was forgotten and, with no one left to receive its answer, stopped.
    assert.deepEqual(stopped, [0])
    assert.equal((await resume('gina', ids[0] ?? '')).status, 404)
    current.open()
  })

  void it('answers to clients before 2025-11-25 are not primed (no event id they may not expect)', async () => {
    current = gate()
    current.open()
    const response = await rs.fetch(
      mcpRequest({
        token: await token('alice'),
        headers: { 'mcp-protocol-version': '2025-06-18' },
      }),
    )
    assert.doesNotMatch(await response.text(), /^id: /m)
  })

  void it('a resumed stream ends when its token is revoked, the call with the POST’s; others go on', async () => {
    current = gate()
    const [jti, postJti] = [randomUUID(), randomUUID()]
    const [mine, theirs] = await Promise.all([
      startAndLeave('hana', 'abortable', postJti),
      startAndLeave('ivan', 'abortable'),
    ])
    const revoked = frames(await resume('hana', mine, 'client-1', jti))
    const kept = frames(await resume('ivan', theirs))
    assert.equal((await revoked.next())?.retry, '1000')
    assert.equal((await kept.next())?.retry, '1000')
    await store.publish(REVOCATION_CHANNEL, { type: 'token', jti })
    // The gate is still shut: only the revocation can end it (the bound guards a hang only).
    let guard: NodeJS.Timeout | undefined
    const hang = new Promise<'hang'>((resolve) => {
      guard = setTimeout(() => {
        resolve('hang')
      }, 120_000)
    })
    assert.equal(await Promise.race([revoked.next(), hang]), undefined)
    // The call itself stops when the token of its POST is revoked.
    const stop = new Promise<'stopped'>((resolve) => {
      onStop = () => {
        resolve('stopped')
      }
    })
    const before = stopped.length
    await store.publish(REVOCATION_CHANNEL, { type: 'token', jti: postJti })
    assert.equal(await Promise.race([stop, hang]), 'stopped')
    assert.equal(stopped.length, before + 1)
    clearTimeout(guard)
    // Positive control: ivan's resumed stream still gets the answer.
    current.open()
    assert.match((await kept.next())?.data ?? '', /gate opened/)
  })
})
