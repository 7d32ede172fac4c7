// Loopback HTTP plumbing for the gateway tests: a web-standard handler on 127.0.0.1 whose URL
// is known before the handler exists, a recording reverse proxy (what an upstream received),
// and third-party servers spawned as child processes.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { getRequestListener } from '@hono/node-server'

export interface Listener {
  url: string
  port: number
  /** Sets what answers requests (503 until then). */
  serve(fetch: (request: Request) => Promise<Response> | Response): void
  close(): Promise<void>
}

export async function listen(): Promise<Listener> {
  let handler: ((request: Request) => Promise<Response> | Response) | undefined
  const listener = getRequestListener((request) =>
    handler === undefined ? new Response(null, { status: 503 }) : handler(request),
  )
  const server: Server = createServer((req, res) => void listener(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${String(port)}`,
    port,
    serve(fetch) {
      handler = fetch
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** Everything an upstream received: every header value and every body, as text. */
export type Received = string[]

/** Wraps a handler so that the upstream side records what it was sent. */
export function recording(
  fetch: (request: Request) => Promise<Response>,
  received: Received,
): (request: Request) => Promise<Response> {
  return async (request) => {
    for (const [name, value] of request.headers) received.push(`${name}: ${value}`)
    const body = request.method === 'POST' ? await request.text() : undefined
    if (body !== undefined) received.push(body)
    return fetch(
      new Request(request.url, {
        method: request.method,
        headers: request.headers,
        ...(body === undefined ? {} : { body }),
      }),
    )
  }
}

/** A reverse proxy to `target` (another origin), streaming responses (SSE). */
export function proxyTo(target: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url)
    const upstream = new URL(url.pathname + url.search, target)
    const headers = new Headers(request.headers)
    headers.set('host', upstream.host)
    const body = request.method === 'POST' ? await request.arrayBuffer() : undefined
    const response = await fetch(upstream, {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
    })
    const headers2 = new Headers(response.headers)
    headers2.delete('content-length')
    headers2.delete('content-encoding')
    return new Response(response.body, { status: response.status, headers: headers2 })
  }
}

const EVERYTHING = fileURLToPath(
  new URL(
    'dist/index.js',
    import.meta.resolve('@modelcontextprotocol/server-everything/package.json'),
  ),
)
const LOOPBACK_ONLY = fileURLToPath(new URL('./loopback-only.ts', import.meta.url))

/** The command that runs `@modelcontextprotocol/server-everything` over stdio. */
export function everythingStdio(): { command: string; args: string[] } {
  return { command: process.execPath, args: [EVERYTHING, 'stdio'] }
}

/** `@modelcontextprotocol/server-everything` over Streamable HTTP on a free loopback port. */
export async function startEverythingHttp(): Promise<{ url: string; child: ChildProcess }> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve()
    }),
  )
  const child = spawn(process.execPath, ['--import', LOOPBACK_ONLY, EVERYTHING, 'streamableHttp'], {
    env: { PATH: process.env['PATH'] ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  await new Promise<void>((resolve, reject) => {
    let seen = ''
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (/listening on port/i.test(seen)) resolve()
    })
    child.once('exit', (code) => {
      reject(new Error(`server-everything exited (${String(code)})`))
    })
  })
  return { url: `http://127.0.0.1:${String(port)}/mcp`, child }
}

export const ENV_TOKEN_SERVER = fileURLToPath(new URL('./env-token-server.ts', import.meta.url))
