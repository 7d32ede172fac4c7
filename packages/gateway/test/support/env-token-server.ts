// A small stdio MCP server that knows nothing of OAuth: it reads its credential from the
// environment (UPSTREAM_TOKEN), as e.g. the GitHub MCP server reads GITHUB_TOKEN. It answers
// with hashes only, so that no credential ever appears in test output.
import { createHash } from 'node:crypto'
import { McpServer } from '@modelcontextprotocol/server'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'

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
server.registerTool('pid', { description: 'This process id' }, () => text(String(process.pid)))
await server.connect(new StdioServerTransport())
