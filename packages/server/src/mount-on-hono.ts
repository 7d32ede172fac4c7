import type { Env, Hono } from 'hono'
import { createProtectedMcpHandler } from './create-protected-mcp-handler.ts'
import type { ProtectedMcpHandler } from './create-protected-mcp-handler.ts'
import type { ProtectOptions } from './options.ts'

/**
 * Protects an MCP server and mounts it on a Hono app: the MCP endpoint at the resource's path and
 * the RFC 9728 metadata at the path-inserted (and root) well-known URLs. One call.
 * @example
 * ```ts
 * const app = new Hono()
 * const handler = mountOnHono(app, {
 *   resource: 'https://notes.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: { jwt: { issuers: [{ issuer: 'https://auth.example.com' }] } },
 *   factory: (ctx) => createNotesServer(ctx),
 * })
 * ```
 */
export function mountOnHono<E extends Env>(
  app: Hono<E>,
  options: ProtectOptions | ProtectedMcpHandler,
): ProtectedMcpHandler {
  const handler = 'fetch' in options ? options : createProtectedMcpHandler(options)
  const serve = (c: { req: { raw: Request } }): Promise<Response> => handler.fetch(c.req.raw)
  app.all(handler.path, serve)
  for (const path of handler.metadataPaths) app.all(path, serve)
  return handler
}
