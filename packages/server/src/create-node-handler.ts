import type { IncomingMessage, ServerResponse } from 'node:http'
import { toNodeHandler } from '@modelcontextprotocol/node'
import { createProtectedMcpHandler } from './create-protected-mcp-handler.ts'
import type { ProtectedMcpHandler } from './create-protected-mcp-handler.ts'
import type { ProtectOptions } from './options.ts'

/** A protected MCP endpoint as a `node:http` request listener, with its handler and `close`. */
export interface NodeProtectedMcpHandler {
  /** A `node:http` request listener; answers 404 for paths it does not own. */
  (req: IncomingMessage, res: ServerResponse): void
  readonly handler: ProtectedMcpHandler
  close(): Promise<void>
}

/**
 * Protects an MCP server for plain `node:http`: `http.createServer(createNodeHandler(options))`.
 * Any `req.auth` set by other middleware is ignored: identity only comes from verification here.
 * @example
 * ```ts
 * const node = createNodeHandler({ resource, authorizationServers, verifier, factory })
 * http.createServer(node).listen(3000, '127.0.0.1')
 * process.once('SIGTERM', () => void node.close())
 * ```
 */
export function createNodeHandler(
  options: ProtectOptions | ProtectedMcpHandler,
  adapter?: { onerror?: (error: Error) => void },
): NodeProtectedMcpHandler {
  const handler = 'fetch' in options ? options : createProtectedMcpHandler(options)
  const node = toNodeHandler(
    { fetch: (request) => handler.fetch(request) },
    {
      // The protected handler enforces its own (smaller) limit; this only bounds buffering.
      maxRequestBodySize: 8 * 1024 * 1024,
      ...(adapter?.onerror === undefined ? {} : { onerror: adapter.onerror }),
    },
  )
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    delete (req as { auth?: unknown }).auth
    // An absolute-form target (RFC 9112 §3.2.2) must name the Host the guards check; it is then
    // reduced to origin-form, so no URL downstream is built from a second, unchecked origin.
    const target = req.url ?? '/'
    if (!target.startsWith('/')) {
      const absolute = URL.parse(target)
      if (absolute === null || absolute.host !== req.headers.host?.toLowerCase()) {
        res.writeHead(421, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'misdirected_request' }))
        return
      }
      req.url = `${absolute.pathname}${absolute.search}`
    }
    void node(req as unknown as Parameters<typeof node>[0], res)
  }
  return Object.assign(listener, { handler, close: () => handler.close() })
}
