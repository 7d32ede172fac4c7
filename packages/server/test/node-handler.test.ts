// `createNodeHandler` over real sockets: it reads the body from the socket itself and writes
// the answer straight to it (no web streams), so what `toNodeHandler` did for it is tested here:
// bodies sent in pieces, both body limits, a client that goes away mid-stream, a failing handler.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, request as httpRequest } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createNotesServer } from '@mandate/example-notes-server'
import { createNodeHandler } from '@mandate/server'
import type { NotificationSource, ProtectedMcpHandler } from '@mandate/server'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

interface Answer {
  status: number
  headers: IncomingMessage['headers']
  body: string
}

/** Sends `pieces` as the body (chunked unless `length` is declared) and reads the answer. */
async function send(
  url: string,
  headers: Record<string, string>,
  pieces: readonly (string | Buffer)[],
): Promise<Answer> {
  const req = httpRequest(url, { method: 'POST', headers })
  const answered = once(req, 'response') as Promise<[IncomingMessage]>
  for (const piece of pieces) req.write(piece)
  req.end()
  const [res] = await answered
  let body = ''
  for await (const chunk of res.setEncoding('utf8')) body += chunk as string
  return { status: res.statusCode ?? 0, headers: res.headers, body }
}

const whoami = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
})

void describe('createNodeHandler over node:http', () => {
  let issuer: TestIssuer
  let server: Server
  let resource = ''
  let token = ''
  const streams = {
    opened: 0,
    closed: 0,
    sends: [] as Parameters<NotificationSource['subscribe']>[1][],
    onClose: (() => undefined) as () => void,
  }
  const source: NotificationSource = {
    subscribe(_caller, sendNotification) {
      streams.opened += 1
      streams.sends.push(sendNotification)
      return () => {
        streams.closed += 1
        streams.onClose()
      }
    },
  }
  const mcpHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
    authorization: `Bearer ${token}`,
    ...extra,
  })

  before(async () => {
    issuer = await startTestIssuer()
    server = createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    resource = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/mcp`
    const handler = createNotesServer({
      resource,
      authorizationServers: [issuer.issuer],
      verifier: { jwt: { issuers: [{ issuer: issuer.issuer }], timeoutMs: 60_000 } },
      maxBodyBytes: 4096,
      notifications: { source },
    })
    server.on('request', createNodeHandler(handler))
    token = await issuer.token(resource)
  })
  after(async () => {
    server.closeAllConnections()
    server.close()
    await issuer.close()
  })

  void it('serves a tools/call whose body arrives in pieces, with no Content-Length', async () => {
    const half = Math.floor(whoami.length / 2)
    const answer = await send(resource, mcpHeaders(), [whoami.slice(0, half), whoami.slice(half)])
    assert.equal(answer.status, 200)
    assert.match(answer.body, /\\"sub\\":\s*\\"alice\\"/)
  })

  void it('refuses a body over maxBodyBytes with 413; one within it is served', async () => {
    const call = (text: string) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'whoami', arguments: {}, _meta: { padding: text } },
      })
    const within = await send(resource, mcpHeaders(), [call('x'.repeat(3000))])
    assert.equal(within.status, 200)
    const over = await send(resource, mcpHeaders(), [call('x'.repeat(5000))])
    assert.equal(over.status, 413)
    assert.equal((JSON.parse(over.body) as { error: { code: number } }).error.code, -32600)
  })

  void it('stops reading past the 8 MiB buffer and answers 413, declared or sent', async () => {
    const declared = await send(resource, mcpHeaders({ 'content-length': String(9 << 20) }), [
      '{',
    ]).catch((error: unknown) => error)
    // The answer comes before the (never sent) rest of the body; the connection then closes.
    assert.ok(!(declared instanceof Error), String(declared))
    assert.equal((declared as Answer).status, 413)
    assert.equal((declared as Answer).headers.connection, 'close')
    const sent = await send(resource, mcpHeaders(), [
      Buffer.alloc(8 << 20, 0x20),
      Buffer.from('{}'),
    ])
    assert.equal(sent.status, 413)
    assert.equal(sent.headers.connection, 'close')
  })

  void it('ends the stream behind an answer when its client goes away', async () => {
    const req = httpRequest(resource, {
      method: 'GET',
      headers: mcpHeaders({ accept: 'text/event-stream' }),
    })
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    assert.equal(res.statusCode, 200)
    // Positive control: while the client is there, the stream is open and delivers.
    assert.equal(streams.opened - streams.closed, 1)
    const delivered = new Promise<string>((resolve) => {
      let seen = ''
      res.setEncoding('utf8').on('data', (chunk: string) => {
        seen += chunk
        if (seen.includes('node-handler-probe')) resolve(seen)
      })
    })
    streams.sends.at(-1)?.({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { data: 'node-handler-probe' },
    })
    assert.match(await delivered, /node-handler-probe/)
    const ended = new Promise<string>((resolve) => {
      streams.onClose = () => {
        resolve('ended')
      }
    })
    req.destroy()
    // Waits for the subscription's end; the timer only turns a hang into a failure.
    let guard: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      ended,
      new Promise<string>((resolve) => {
        guard = setTimeout(resolve, 60_000, 'still open')
      }),
    ])
    clearTimeout(guard)
    assert.equal(outcome, 'ended')
    assert.equal(streams.opened - streams.closed, 0)
  })

  void it('answers 400 to a Host that makes no URL; a well-formed one reaches the checks', async () => {
    const statusLine = async (host: string): Promise<string> => {
      const { port } = server.address() as AddressInfo
      const socket = connect(port, '127.0.0.1')
      await once(socket, 'connect')
      socket.end(`GET /mcp HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
      let raw = ''
      for await (const chunk of socket.setEncoding('utf8')) raw += chunk as string
      return raw.split('\r\n')[0] ?? ''
    }
    assert.equal(await statusLine('a b'), 'HTTP/1.1 400 Bad Request')
    // Positive control: the same request with this server's Host gets the 401 challenge.
    assert.equal(await statusLine(new URL(resource).host), 'HTTP/1.1 401 Unauthorized')
  })

  void it('sends the head of an event stream before its first event', async () => {
    let push: (text: string) => void = () => undefined
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => {
          controller.enqueue(new TextEncoder().encode(text))
        }
      },
    })
    const fake = {
      fetch: () =>
        Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } })),
      close: () => Promise.resolve(),
    }
    const http = createServer(createNodeHandler(fake as unknown as ProtectedMcpHandler))
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    try {
      const req = httpRequest(
        `http://127.0.0.1:${String((http.address() as AddressInfo).port)}/mcp`,
      )
      req.end()
      // The response event needs the head only: no event has been written yet. The timer only
      // turns a head that never comes into a failure.
      let guard: NodeJS.Timeout | undefined
      const head = await Promise.race([
        once(req, 'response') as Promise<[IncomingMessage]>,
        new Promise<undefined>((resolve) => {
          guard = setTimeout(resolve, 30_000, undefined)
        }),
      ])
      clearTimeout(guard)
      assert.ok(head !== undefined, 'no head before the first event')
      const [res] = head
      assert.equal(res.headers['content-type'], 'text/event-stream')
      const first = once(res, 'data') as Promise<[Buffer]>
      push('data: one\n\n')
      assert.equal((await first)[0].toString(), 'data: one\n\n')
      res.destroy()
    } finally {
      http.closeAllConnections()
      http.close()
    }
  })

  void it('answers 500 with a JSON-RPC error when the handler fails, and tells onerror only', async () => {
    const failing = {
      fetch: () => Promise.reject(new Error('database password is hunter2')),
      close: () => Promise.resolve(),
    } as unknown as ProtectedMcpHandler
    const errors: Error[] = []
    const broken = createServer(createNodeHandler(failing, { onerror: (e) => errors.push(e) }))
    broken.listen(0, '127.0.0.1')
    await once(broken, 'listening')
    try {
      const url = `http://127.0.0.1:${String((broken.address() as AddressInfo).port)}/mcp`
      const answer = await send(url, mcpHeaders(), [whoami])
      assert.equal(answer.status, 500)
      assert.deepEqual(JSON.parse(answer.body), {
        jsonrpc: '2.0',
        error: { code: -32603, message: 'internal error' },
        id: null,
      })
      assert.doesNotMatch(answer.body, /hunter2/)
      assert.deepEqual(
        errors.map((e) => e.message),
        ['database password is hunter2'],
      )
    } finally {
      broken.closeAllConnections()
      broken.close()
    }
  })
})
