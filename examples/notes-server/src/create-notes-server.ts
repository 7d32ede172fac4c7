import { createProtectedMcpHandler, TokenRejectedError } from '@mandate/server'
import type { ProtectedMcpHandler, ProtectedTool, ProtectOptions } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'
import type { ServerOptions } from '@modelcontextprotocol/server'
import { NotesStore } from './notes-store.ts'
import { NOTES_SCOPES, notesTools } from './notes-tools.ts'

/**
 * What `createNotesServer` takes: the protected-handler options, minus what the notes server
 * decides itself (its tools, scopes and server factory).
 */
export interface NotesServerOptions extends Omit<
  ProtectOptions,
  'factory' | 'tools' | 'scopesSupported' | 'authorizationServers' | 'verifier'
> {
  authorizationServers?: ProtectOptions['authorizationServers']
  verifier?: ProtectOptions['verifier']
  /** Where notes live; a fresh in-memory store by default. */
  notes?: NotesStore
  /** Registers extra tools/resources (the conformance fixtures use it). */
  extend?: (server: McpServer) => void
  /** Options of each per-request `McpServer` (the conformance fixtures' requestState check). */
  serverOptions?: ServerOptions
  /** More protected tools, e.g. `calendarTodayTool` (needs account linking). */
  extraTools?: readonly ProtectedTool[]
}

/**
 * The notes MCP server, protected: everything it takes is `resource`, the issuer(s) and how to
 * verify tokens. Serve `handler.fetch` (Hono: `mountOnHono(app, handler)`; node:http:
 * `createNodeHandler(handler)`).
 * @example
 * ```ts
 * const notes = createNotesServer({
 *   resource: 'https://notes.example.com/mcp',
 *   authorizationServers: [issuer],
 *   verifier: { jwt: { issuers: [{ issuer }] } },
 *   // A linked-account tool: declares `demo-calendar` / `calendar.read` in its definition.
 *   extraTools: [calendarTodayTool(linking, calendar.api)],
 * })
 * mountOnHono(app, notes)
 * ```
 */
export function createNotesServer(options: NotesServerOptions): ProtectedMcpHandler {
  const tools = [...notesTools(options.notes ?? new NotesStore()), ...(options.extraTools ?? [])]
  const { extend, extraTools: _extraTools, serverOptions, ...protect } = options
  return createProtectedMcpHandler({
    authorizationServers: [],
    // Only the unauthenticated test mode runs without a verifier; anything else refuses all.
    verifier: { verify: () => Promise.reject(new TokenRejectedError('no verifier configured')) },
    ...protect,
    scopesSupported: [NOTES_SCOPES.read, NOTES_SCOPES.write],
    challengeScopes: options.challengeScopes ?? [NOTES_SCOPES.read],
    tools,
    factory: (ctx) => {
      const server = new McpServer({ name: 'mandate-notes', version: '0.1.0' }, serverOptions)
      ctx.registerTools(server, tools)
      extend?.(server)
      return server
    },
  })
}
