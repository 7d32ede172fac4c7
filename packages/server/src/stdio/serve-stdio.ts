import type { Writable } from 'node:stream'
import type { Readable } from 'node:stream'

import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import type { Transport } from '@modelcontextprotocol/server'

import type { VerifiedToken } from '../verify/verified-token.ts'
import { readStdioHandshake } from './read-stdio-handshake.ts'
import type { ReadStdioHandshakeOptions } from './read-stdio-handshake.ts'

/** What {@link serveStdioWithHandshake} needs: the handshake check and the server to connect. */
export interface ServeStdioOptions extends ReadStdioHandshakeOptions {
  /** Something with the SDK's `connect(transport)`, e.g. an `McpServer`; built once the caller is known. */
  createServer: (token: VerifiedToken) => { connect(transport: Transport): Promise<void> }
  stdin?: Readable
  stdout?: Writable
}

/**
 * Serves MCP over stdio only to a launcher that presented a valid handshake (docs/stdio.md).
 * Rejects (and never reads a JSON-RPC message) when the handshake is missing or invalid; the
 * caller should then exit non-zero.
 * @example
 * ```ts
 * await serveStdioWithHandshake({
 *   verifier: createJwtVerifier({
 *     issuers: [{ issuer }],
 *     resource: 'https://local.example.com/stdio/notes',
 *   }),
 *   createServer: (token) => createNotesServer(token.sub),
 * }).catch(() => process.exit(1))
 * ```
 */
export async function serveStdioWithHandshake(options: ServeStdioOptions): Promise<VerifiedToken> {
  const { token, input } = await readStdioHandshake(options.stdin ?? process.stdin, options)
  const transport = new StdioServerTransport(input, options.stdout ?? process.stdout)
  await options.createServer(token).connect(transport)
  return token
}
