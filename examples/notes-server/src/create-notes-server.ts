import { createProtectedMcpHandler, TokenRejectedError } from '@mandate/server'
import type { ProtectedMcpHandler, ProtectedTool, ProtectOptions } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'
import { NotesStore } from './notes-store.ts'
import { NOTES_SCOPES, notesTools } from './notes-tools.ts'

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
  /** More protected tools, e.g. `calendarTodayTool` (needs account linking). */
  extraTools?: readonly ProtectedTool[]
}

/**
 * The notes MCP server, protected: everything it takes is `resource`, the issuer(s) and how to
 * verify tokens. Serve `handler.fetch` (Hono: `mountOnHono(app, handler)`; node:http:
 * `createNodeHandler(handler)`).
 */
export function createNotesServer(options: NotesServerOptions): ProtectedMcpHandler {
  const tools = [...notesTools(options.notes ?? new NotesStore()), ...(options.extraTools ?? [])]
  const { extend, extraTools: _extraTools, ...protect } = options
  return createProtectedMcpHandler({
    authorizationServers: [],
    // Only the unauthenticated test mode runs without a verifier; anything else refuses all.
    verifier: { verify: () => Promise.reject(new TokenRejectedError('no verifier configured')) },
    ...protect,
    scopesSupported: [NOTES_SCOPES.read, NOTES_SCOPES.write],
    challengeScopes: options.challengeScopes ?? [NOTES_SCOPES.read],
    tools,
    factory: (ctx) => {
      const server = new McpServer({ name: 'mandate-notes', version: '0.1.0' })
      ctx.registerTools(server, tools)
      extend?.(server)
      return server
    },
  })
}
