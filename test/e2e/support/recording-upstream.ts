// A stdio MCP upstream that records every call it runs (one JSON line per call in the file
// named by RECORD_FILE), so that a test can count exactly how often a tool ran.
import { appendFileSync } from 'node:fs'
import { McpServer } from '@modelcontextprotocol/server'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import * as z from 'zod'

const file = process.env['RECORD_FILE'] ?? ''
const server = new McpServer({ name: 'recording', version: '1.0.0' })
server.registerTool(
  'transfer',
  {
    description: 'Pretends to send money; records the call',
    inputSchema: z.object({ to: z.string(), amount: z.number(), memo: z.string().optional() }),
  },
  (args) => {
    appendFileSync(file, `${JSON.stringify({ tool: 'transfer', args })}\n`)
    return { content: [{ type: 'text', text: `sent ${String(args.amount)} to ${args.to}` }] }
  },
)
server.registerTool(
  'close_account',
  {
    description: 'Needs an approval with a second factor',
    inputSchema: z.object({ id: z.string() }),
  },
  (args) => {
    appendFileSync(file, `${JSON.stringify({ tool: 'close_account', args })}\n`)
    return { content: [{ type: 'text', text: `closed ${args.id}` }] }
  },
)
server.registerTool('balance', { description: 'Needs no approval' }, () => ({
  content: [{ type: 'text', text: 'balance 100' }],
}))
await server.connect(new StdioServerTransport())
