// Starts a protected MCP handler on 127.0.0.1:0, mounted the two supported ways.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { createNodeHandler, mountOnHono } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'

export interface Running {
  /** `http://127.0.0.1:<port>` */
  origin: string
  handler: ProtectedMcpHandler
  close(): Promise<void>
}

/** Listens first (to learn the port), then builds the handler for that origin. */
export async function serveProtected(
  build: (origin: string) => ProtectedMcpHandler,
  via: 'hono' | 'node' = 'hono',
): Promise<Running> {
  const server: Server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
  const handler = build(origin)
  if (via === 'hono') {
    const app = new Hono()
    mountOnHono(app, handler)
    const listener = getRequestListener(app.fetch)
    server.on('request', (req, res) => {
      void listener(req, res)
    })
  } else {
    server.on('request', createNodeHandler(handler))
  }
  return {
    origin,
    handler,
    async close() {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
      await handler.close()
    },
  }
}
