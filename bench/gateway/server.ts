// One benchmark process: the upstream (a stateless MCP echo server protected by @mandate/server,
// accepting only tokens for its own audience) or the gateway in front of it (token exchange at
// the runner's token endpoint, cached; policy allows echo). Prints its port; answers "cpu" on IPC.
//   argv: upstream <issuer>            |   gateway <issuer> <upstream URL> <token endpoint>
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { createGateway } from '@mandate/gateway'
import { createProtectedMcpHandler, defineTool } from '@mandate/server'
import type { ProtectedMcpHandler } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'

const [mode = 'upstream', issuer = '', upstreamUrl = '', tokenEndpoint = ''] = process.argv.slice(2)
const verifier = { jwt: { issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] } }
const echo = defineTool(
  'echo',
  { inputSchema: z.object({ text: z.string() }), requires: { scopes: ['bench'] } },
  ({ text }) => ({ content: [{ type: 'text' as const, text }] }),
)

const http = createServer()
http.listen(0, '127.0.0.1', () => {
  const port = (http.address() as AddressInfo).port
  const resource = `http://127.0.0.1:${String(port)}/mcp`
  const handler: ProtectedMcpHandler =
    mode === 'upstream'
      ? createProtectedMcpHandler({
          resource,
          authorizationServers: [issuer],
          verifier,
          tools: [echo],
          factory: (ctx) => {
            const server = new McpServer({ name: 'upstream', version: '1' })
            ctx.registerTools(server, [echo])
            return server
          },
          mcp: { responseMode: 'json' },
        })
      : createGateway({
          resource,
          authorizationServers: [issuer],
          verifier,
          mcp: { responseMode: 'json' },
          upstreams: [
            {
              name: 'up',
              transport: { type: 'http', url: upstreamUrl },
              credential: { kind: 'exchange', resource: upstreamUrl, scopes: ['bench'] },
              policy: [{ tools: ['echo'], action: 'allow', when: "'bench' in claims.scopes" }],
            },
          ],
          tokenExchange: { tokenEndpoint, clientId: 'bench-gateway', clientSecret: 'bench-secret' },
        })
  const listener = getRequestListener((request) => handler.fetch(request))
  http.on('request', (req, res) => void listener(req, res))
  process.stdout.write(`${String(port)}\n`)
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.(process.cpuUsage())
    if (message === 'stop') {
      http.close()
      http.closeAllConnections()
      void handler.close().then(() => process.exit(0))
    }
  })
})
