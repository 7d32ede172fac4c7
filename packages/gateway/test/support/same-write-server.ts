// A minimal stdio MCP server that answers tools/call with its last progress notification and
// its result in one write, as a fast upstream on a busy machine often does.
import { createInterface } from 'node:readline'

const send = (...messages: unknown[]) =>
  process.stdout.write(messages.map((message) => JSON.stringify(message) + '\n').join(''))

for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line) as {
    id?: number
    method: string
    params?: { _meta?: { progressToken?: string | number } }
  }
  if (message.id === undefined) continue
  if (message.method === 'initialize') {
    send({
      jsonrpc: '2.0',
      id: message.id,
      result: {
        protocolVersion: '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'same-write', version: '1.0.0' },
      },
    })
  } else if (message.method === 'tools/call') {
    const progressToken = message.params?._meta?.progressToken
    send(
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken, progress: 1, total: 1 },
      },
      { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } },
    )
  } else {
    send({ jsonrpc: '2.0', id: message.id, result: {} })
  }
}
