// One benchmark target, in its own process: the same stateless MCP server (fresh McpServer per
// request, JSON responses) behind one of several front doors.
//   a0: no auth, echo schema built in the factory, as the SDK v2 docs show (the anchor)
//   a: no auth, schema built once   b: the SDK's requireBearerAuth + jose JWT verifier
//   c: @mandate/server with JWT   c0: same, verified-token cache off
//   d: @mandate/server with JWT + DPoP (required)
//   e: @mandate/server with auth off (`unauthenticatedTestMode`, loopback only)
// argv: <variant> <issuer> <resource-origin-port-placeholder>; prints the port; answers "cpu" on IPC.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { createNodeHandler, defineTool } from '@mandate/server'
import { createMcpHandler, McpServer, requireBearerAuth } from '@modelcontextprotocol/server'
import type { AuthInfo } from '@modelcontextprotocol/server'
import { toNodeHandler } from '@modelcontextprotocol/node'
import * as z from 'zod'

const [variant = 'a', issuer = ''] = process.argv.slice(2)
const echoInput = z.object({ text: z.string() })
const echoResult = (text: string): { content: [{ type: 'text'; text: string }] } => ({
  content: [{ type: 'text', text }],
})
const plainFactory = (): McpServer => {
  const server = new McpServer({ name: 'bench', version: '1' })
  server.registerTool('echo', { inputSchema: echoInput }, ({ text }) => echoResult(text))
  return server
}
// The SDK v2 documentation's shape: the schema is built inside the factory, once per request.
const documentedFactory = (): McpServer => {
  const server = new McpServer({ name: 'bench', version: '1' })
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text }) =>
    echoResult(text),
  )
  return server
}
const echoTool = defineTool(
  'echo',
  { inputSchema: echoInput, requires: { scopes: ['bench'] } },
  ({ text }) => echoResult(text),
)

const http = createServer()
http.listen(0, '127.0.0.1', () => {
  const port = (http.address() as AddressInfo).port
  const resource = `http://127.0.0.1:${String(port)}/mcp`
  if (variant === 'a0' || variant === 'a' || variant === 'b') {
    const mcp = createMcpHandler(variant === 'a0' ? documentedFactory : plainFactory, {
      responseMode: 'json',
    })
    let fetch = (request: Request): Promise<Response> => mcp.fetch(request)
    if (variant === 'b') {
      const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`))
      const gate = requireBearerAuth({
        expectedResource: new URL(resource),
        requiredScopes: ['bench'],
        verifier: {
          async verifyAccessToken(token): Promise<AuthInfo> {
            const { payload } = await jwtVerify(token, jwks, {
              issuer,
              audience: resource,
              typ: 'at+jwt',
            })
            return {
              token,
              clientId: String(payload['client_id']),
              scopes: String(payload['scope']).split(' '),
              ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
              resource: new URL(resource),
            }
          },
        },
      })
      fetch = async (request) => {
        const auth = await gate(request)
        return auth instanceof Response ? auth : mcp.fetch(request, { authInfo: auth })
      }
    }
    const node = toNodeHandler({ fetch })
    http.on('request', (req, res) => void node(req as unknown as Parameters<typeof node>[0], res))
  } else {
    http.on(
      'request',
      createNodeHandler({
        resource,
        authorizationServers: [issuer],
        verifier: {
          jwt: {
            issuers: [{ issuer, jwksUri: `${issuer}/jwks` }],
            ...(variant === 'c0' ? { verifiedCacheSeconds: 0 } : {}),
          },
        },
        tools: [echoTool],
        factory: (ctx) => {
          const server = new McpServer({ name: 'bench', version: '1' })
          ctx.registerTools(server, [echoTool])
          return server
        },
        mcp: { responseMode: 'json' },
        ...(variant === 'd' ? { dpop: { required: true } } : {}),
        ...(variant === 'e' ? { unauthenticatedTestMode: true } : {}),
      }),
    )
  }
  process.stdout.write(`${String(port)}\n`)
})
process.on('message', (message) => {
  if (message === 'cpu') process.send?.(process.cpuUsage())
  if (message === 'stop') {
    http.closeAllConnections()
    http.close()
    process.exit(0)
  }
})
