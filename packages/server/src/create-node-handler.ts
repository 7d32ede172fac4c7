import type { IncomingMessage, ServerResponse } from 'node:http'
import { JSONRPC_ERROR } from '@mandate/core'
import { createProtectedMcpHandler } from './create-protected-mcp-handler.ts'
import { jsonRpcErrorResponse } from './http/challenges.ts'
import type { ProtectedMcpHandler } from './create-protected-mcp-handler.ts'
import { readNodeRequest } from './node/read-node-request.ts'
import { writeNodeResponse } from './node/write-node-response.ts'
import type { ProtectOptions } from './options.ts'

// The protected handler enforces its own, smaller limit (`maxBodyBytes`); this bounds buffering.
const MAX_BUFFERED_BODY_BYTES = 8 * 1024 * 1024

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
 * The body is read straight from the socket and the answer written straight to it, without the
 * web streams a `Request`/`Response` body would need (docs/performance.md, "Node adapter").
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
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    delete (req as { auth?: unknown }).auth
    if (!toOriginForm(req)) {
      res.writeHead(421, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'misdirected_request' }))
      return
    }
    // Node's parser lets a Host through that makes no URL (`a b`): no `Request` can be built.
    if (!URL.canParse(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`)) {
      res.writeHead(400, { 'content-type': 'application/json', connection: 'close' })
      res.end(JSON.stringify({ error: 'invalid_request' }))
      return
    }
    serve(req, res, handler, adapter?.onerror).catch((error: unknown) => {
      // Past the status line nothing can be answered: the connection ends, the server stays up.
      report(adapter?.onerror, error)
      res.destroy()
    })
  }
  return Object.assign(listener, { handler, close: () => handler.close() })
}

/**
 * An absolute-form target (RFC 9112 §3.2.2) must name the Host the guards check; it is then
 * reduced to origin-form, so no URL downstream is built from a second, unchecked origin.
 */
function toOriginForm(req: IncomingMessage): boolean {
  const target = req.url ?? '/'
  if (target.startsWith('/')) return true
  const absolute = URL.parse(target)
  if (absolute === null || absolute.host !== req.headers.host?.toLowerCase()) return false
  req.url = `${absolute.pathname}${absolute.search}`
  return true
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handler: ProtectedMcpHandler,
  onerror: ((error: Error) => void) | undefined,
): Promise<void> {
  // The client going away aborts the request's signal: a stream behind the answer ends with it.
  const gone = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) gone.abort()
  })
  let response: Response
  try {
    const request = await readNodeRequest(req, gone.signal, MAX_BUFFERED_BODY_BYTES)
    response = request === undefined ? tooLarge() : await handler.fetch(request)
  } catch (error) {
    if (gone.signal.aborted) return
    report(onerror, error)
    response = jsonRpcErrorResponse(500, JSONRPC_ERROR.internalError, 'internal error')
  }
  await writeNodeResponse(res, response, gone.signal)
}

function report(onerror: ((error: Error) => void) | undefined, error: unknown): void {
  try {
    onerror?.(error instanceof Error ? error : new Error(String(error)))
  } catch {
    // A failing error hook must not take the answer with it.
  }
}

function tooLarge(): Response {
  // The rest of the body is not read: the connection cannot carry another request.
  const headers = new Headers({ connection: 'close' })
  return jsonRpcErrorResponse(413, JSONRPC_ERROR.invalidRequest, 'request body too large', headers)
}
