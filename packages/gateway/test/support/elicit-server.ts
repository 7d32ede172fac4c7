// A small stdio MCP server built with the official SDK that asks its user to open a URL, both
// ways the 2025-11-25 revision allows: a tools/call that fails with -32042
// (URLElicitationRequiredError) until it was called once more, and `elicitation/create` in URL
// mode while a tool runs. Whatever URL the test passes is what it sends, unchanged.
import { randomUUID } from 'node:crypto'
import { McpServer, UrlElicitationRequiredError } from '@modelcontextprotocol/server'
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import * as z from 'zod'

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] })
const seen = new Set<string>()
let lastAnswer = 'none'

const server = new McpServer({ name: 'elicit', version: '1.0.0' })
server.registerTool(
  'link_then_work',
  {
    description: 'Fails with -32042 the first time for a URL',
    inputSchema: z.object({ url: z.string() }),
  },
  ({ url }) => {
    if (!seen.has(url)) {
      seen.add(url)
      throw new UrlElicitationRequiredError(
        [{ mode: 'url', elicitationId: randomUUID(), url, message: 'Authorize the example API' }],
        'authorization required',
      )
    }
    return text('worked after the person opened the page')
  },
)
server.registerTool(
  'ask_url',
  {
    description: 'Sends elicitation/create in URL mode',
    inputSchema: z.object({ url: z.string() }),
  },
  async ({ url }, ctx) => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- a 2025-11-25 upstream on purpose
      const result = await ctx.mcpReq.elicitInput({
        mode: 'url',
        message: 'Open this page to continue',
        url,
        elicitationId: randomUUID(),
      })
      lastAnswer = result.action
    } catch (error) {
      lastAnswer = `error: ${(error as Error).name}`
    }
    return text(`answer: ${lastAnswer}`)
  },
)
server.registerTool(
  'ask_form',
  { description: 'Sends elicitation/create in form mode' },
  async (ctx) => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- a 2025-11-25 upstream on purpose
      const result = await ctx.mcpReq.elicitInput({
        mode: 'form',
        message: 'Your name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      })
      lastAnswer = result.action
    } catch (error) {
      lastAnswer = `error: ${(error as Error).name}`
    }
    return text(`answer: ${lastAnswer}`)
  },
)
server.registerTool('last_answer', { description: 'What the last elicitation got' }, () =>
  text(lastAnswer),
)
await server.connect(new StdioServerTransport())
