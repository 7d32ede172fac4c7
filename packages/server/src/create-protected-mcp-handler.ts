import type { ProtectedResourceMetadata } from '@mandate/core'
import { resolveProtectConfig } from './config/resolve-protect-config.ts'
import type { ProtectOptions } from './options.ts'
import { startProtectRuntime, stopProtectRuntime } from './runtime/start-protect-runtime.ts'
import { routeRequest } from './steps/route-request.ts'

/** A web-standard handler for one protected MCP endpoint and its metadata. */
export interface ProtectedMcpHandler {
  /** Serves the MCP endpoint and the RFC 9728 metadata routes; 404 for anything else. */
  fetch(request: Request): Promise<Response>
  /** The path of the MCP endpoint (from `resource`). */
  readonly path: string
  /** Paths that serve the protected resource metadata. */
  readonly metadataPaths: readonly string[]
  /** The RFC 9728 metadata document served at `metadataPaths`. */
  readonly metadata: ProtectedResourceMetadata
  /** Ends the open notification streams (graceful shutdown: clients reconnect elsewhere). */
  endStreams(): void
  /** Ends streams, timers and subscriptions (revocations, the verifier's caches). */
  close(): Promise<void>
}

/**
 * Protects an MCP server built on the SDK v2 (`createMcpHandler`) as an OAuth 2.1 resource
 * server (MCP authorization, 2025-11-25 and 2026-07-28): RFC 9728 metadata, token and DPoP
 * verification, 401/403 challenges with step-up, per-tool requirements, Host/Origin checks and
 * body limits. Options are resolved once (`resolveProtectConfig`); each call runs the steps of
 * `MCP_CALL_STEPS`. Mount `fetch` with {@link mountOnHono} or {@link createNodeHandler}.
 * @example
 * ```ts
 * const handler = createProtectedMcpHandler({
 *   resource: 'https://notes.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: { jwt: { issuers: [{ issuer: 'https://auth.example.com' }] } },
 *   tools: [listNotes, createNote],
 *   factory: (ctx) => {
 *     const server = new McpServer({ name: 'notes', version: '1.0.0' })
 *     ctx.registerTools(server, [listNotes, createNote])
 *     return server
 *   },
 * })
 * const response = await handler.fetch(request)
 * ```
 */
export function createProtectedMcpHandler(options: ProtectOptions): ProtectedMcpHandler {
  const config = resolveProtectConfig(options)
  const runtime = startProtectRuntime(config)
  return {
    path: config.path,
    metadataPaths: config.metadataPaths,
    metadata: config.metadata,
    fetch: (request) => routeRequest(request, runtime),
    endStreams() {
      runtime.streams?.closeAll()
    },
    close: () => stopProtectRuntime(runtime),
  }
}
