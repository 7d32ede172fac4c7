// Real collectors on 127.0.0.1 for the audit forwarding e2e (issue 14): a syslog receiver over
// UDP (one message per datagram, RFC 5426) or TCP (octet counting, RFC 6587 §3.4.1), and an
// OTLP/HTTP logs receiver (JSON, POST /v1/logs).
import { createSocket } from 'node:dgram'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'

export interface Collector<T> {
  port: number
  received: T[]
  close(): Promise<void>
}

/** A UDP syslog receiver: each datagram is one message. */
export async function udpSyslog(): Promise<Collector<string>> {
  const socket = createSocket('udp4')
  const received: string[] = []
  socket.on('message', (message) => received.push(message.toString('utf8')))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    port: socket.address().port,
    received,
    close: () =>
      new Promise((resolve) =>
        socket.close(() => {
          resolve()
        }),
      ),
  }
}

/** A TCP syslog receiver reading octet-counted frames (`MSG-LEN SP SYSLOG-MSG`). */
export async function tcpSyslog(): Promise<Collector<string> & { badFrames: number }> {
  const received: string[] = []
  const sockets = new Set<Socket>()
  const state = { badFrames: 0 }
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let buffer = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        const space = buffer.indexOf(0x20)
        if (space < 0) return
        const length = Number(buffer.subarray(0, space).toString('ascii'))
        if (!Number.isInteger(length) || length <= 0) {
          state.badFrames++
          socket.destroy()
          return
        }
        if (buffer.length < space + 1 + length) return
        received.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'))
        buffer = buffer.subarray(space + 1 + length)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    received,
    get badFrames() {
      return state.badFrames
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** One OTLP log record as the JSON encoding carries it (the fields the tests read). */
export interface OtlpLogRecord {
  eventName?: string
  timeUnixNano?: string
  severityText?: string
  body?: { stringValue?: string }
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[]
}

/** An OTLP/HTTP logs receiver: JSON bodies posted to /v1/logs, every log record kept. */
export async function otlpLogs(): Promise<
  Collector<OtlpLogRecord> & { raw: string[]; paths: string[]; types: string[] }
> {
  const received: OtlpLogRecord[] = []
  const raw: string[] = []
  const paths: string[] = []
  const types: string[] = []
  const server = createHttpServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      paths.push(req.url ?? '')
      types.push(req.headers['content-type'] ?? '')
      raw.push(body)
      const parsed = JSON.parse(body) as {
        resourceLogs?: { scopeLogs?: { logRecords?: OtlpLogRecord[] }[] }[]
      }
      for (const resource of parsed.resourceLogs ?? []) {
        for (const scope of resource.scopeLogs ?? []) received.push(...(scope.logRecords ?? []))
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    received,
    raw,
    paths,
    types,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** A port on 127.0.0.1 where nothing listens (a collector that is down). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  return port
}

/** The attribute `key` of an OTLP log record, as a string. */
export function otlpAttribute(record: OtlpLogRecord, key: string): string | undefined {
  const value = record.attributes?.find((a) => a.key === key)?.value
  if (value === undefined) return undefined
  return value.stringValue ?? (value.intValue === undefined ? undefined : String(value.intValue))
}
