/**
 * The first line a launcher writes on a stdio MCP server's stdin (docs/stdio.md): one JSON object,
 * UTF-8, terminated by `\n`, before any JSON-RPC message.
 */
export interface StdioHandshake {
  mandate: 'stdio-handshake/1'
  access_token: string
}

/** The `mandate` member of a version-1 handshake line. */
export const STDIO_HANDSHAKE_VERSION = 'stdio-handshake/1'

/** A handshake line longer than this is refused before it is parsed. */
export const STDIO_HANDSHAKE_MAX_BYTES = 16 * 1024
