// A real SDK v2 MCP server (stateful sessions) whose `repos` tool needs a linked account: it
// answers -32042 URLElicitationRequiredError until /connect/<id> is visited, then sends
// notifications/elicitation/complete. Listens on 127.0.0.1:0.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { McpServer, UrlElicitationRequiredError } from '@modelcontextprotocol/server'

export interface Linking {
  /** Where the elicitation sends the person; `origin` is this server's. */
  link: (origin: string, id: string) => string
  /** Completion ids the server announces when the link is visited. */
  announce: (id: string) => string[]
}

export interface LinkingServer {
  origin: string
  linking: Linking
  linked: boolean
  toolCalls: number
  reset(linking?: Linking): void
  close(): Promise<void>
}

export const SAME_ORIGIN: Linking = {
  link: (o, id) => `${o}/connect/${id}`,
  announce: (id) => [id],
}

export async function startLinkingServer(): Promise<LinkingServer> {
  const notifiers = new Map<string, (ids: string[]) => Promise<void>>()
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>()
  const http = createServer((req, res) => {
    void (async () => {
      const connect = /^\/connect\/([\w-]+)$/.exec(req.url ?? '')
      if (connect?.[1] !== undefined) {
        state.linked = true
        const ids = state.linking.announce(connect[1])
        for (const notify of notifiers.values()) await notify(ids)
        res.writeHead(200, { 'content-type': 'text/plain' }).end('linked')
        return
      }
      const sessionId = req.headers['mcp-session-id']
      let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined
      if (transport === undefined) {
        const server = new McpServer({ name: 'linking-server', version: '0' })
        server.registerTool('repos', { description: 'needs a linked account' }, () => {
          state.toolCalls++
          if (!state.linked) {
            const id = randomUUID()
            throw new UrlElicitationRequiredError([
              {
                mode: 'url',
                message: 'Link your GitHub account',
                url: state.linking.link(state.origin, id),
                elicitationId: id,
              },
            ])
          }
          return { content: [{ type: 'text', text: 'repo-a, repo-b' }] }
        })
        const created = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => {
            sessions.set(id, created)
            notifiers.set(id, async (ids) => {
              for (const elicitationId of ids) {
                await server.server.createElicitationCompletionNotifier(elicitationId)()
              }
            })
          },
        })
        transport = created
        await server.connect(created)
      }
      await transport.handleRequest(req, res)
    })()
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const state: LinkingServer = {
    origin: `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`,
    linking: SAME_ORIGIN,
    linked: false,
    toolCalls: 0,
    reset: (linking = SAME_ORIGIN) => {
      state.linking = linking
      state.linked = false
      state.toolCalls = 0
    },
    close: async () => {
      http.closeAllConnections()
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve()
        })
      })
    },
  }
  return state
}
