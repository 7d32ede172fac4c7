// A small stdio MCP server that knows nothing of OAuth: it reads its credential from the
// environment (UPSTREAM_TOKEN), as e.g. the GitHub MCP server reads GITHUB_TOKEN. It answers
// with hashes only, so that no credential ever appears in test output.
import { createHash } from 'node:crypto'
import { McpServer } from '@modelcontextprotocol/server'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import * as z from 'zod'

const hash = (value: string): string => createHash('sha256').update(value).digest('hex')
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] })

const server = new McpServer({ name: 'env-token', version: '1.0.0' })
server.registerTool(
  'token_hash',
  { description: 'SHA-256 of the token this process was given' },
  () => text(hash(process.env['UPSTREAM_TOKEN'] ?? '')),
)
server.registerTool('env_hashes', { description: 'SHA-256 of every environment value' }, () =>
  text(JSON.stringify(Object.values(process.env).map((value) => hash(value ?? '')))),
)
// As a third-party API's wrapper reports a refused token: a tool error saying 401, here for the
// token whose hash the caller names as stale (so a refreshed token gets through).
server.registerTool(
  'hash_unless_stale',
  {
    description: 'SHA-256 of the token, or a 401 tool error when it is the stale one',
    inputSchema: z.object({ stale: z.string() }),
  },
  ({ stale }) => {
    const current = hash(process.env['UPSTREAM_TOKEN'] ?? '')
    if (current !== stale) return text(current)
    return {
      isError: true,
      content: [{ type: 'text' as const, text: '401 Unauthorized: bad credentials' }],
    }
  },
)
// As a third-party API's wrapper reports a token without enough scope (RFC 6750 §3.1): a tool
// error carrying the API's 403 challenge, asking for `scope`.
server.registerTool(
  'needs_scope',
  {
    description: 'A 403 insufficient_scope tool error asking for `scope`',
    inputSchema: z.object({ scope: z.string() }),
  },
  ({ scope }) => ({
    isError: true,
    content: [
      {
        type: 'text' as const,
        text: `403 Forbidden: Bearer error="insufficient_scope", scope="${scope}"`,
      },
    ],
  }),
)
server.registerTool('pid', { description: 'This process id' }, () => text(String(process.pid)))
await server.connect(new StdioServerTransport())
