// Small real HTTP servers on 127.0.0.1 that play a protected MCP server and its authorization
// server with configurable (and hostile) metadata. Only the discovery surface is implemented:
// the negative tests stop before any token is issued.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HostileSetup {
  /** Protected resource metadata, given the MCP and AS base URLs. */
  prm?: (mcp: string, as: string) => Record<string, unknown>
  /** Authorization server metadata, given the AS base URL. */
  asMetadata?: (as: string) => Record<string, unknown>
}

export interface HostileServers {
  mcpUrl: string
  asUrl: string
  requests: string[]
  close(): Promise<void>
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

export async function startHostileServers(setup: HostileSetup): Promise<HostileServers> {
  const requests: string[] = []
  let asUrl = ''
  let mcpBase = ''
  const as = createServer((req, res) => {
    requests.push(`as ${req.method ?? ''} ${req.url ?? ''}`)
    if (req.url === '/.well-known/oauth-authorization-server' && setup.asMetadata) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(setup.asMetadata(asUrl)))
      return
    }
    if (req.url === '/register' && req.method === 'POST') {
      res.writeHead(201, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          client_id: 'hostile-client',
          redirect_uris: ['http://127.0.0.1:9/callback'],
        }),
      )
      return
    }
    res.writeHead(404).end()
  })
  const mcp = createServer((req, res) => {
    requests.push(`mcp ${req.method ?? ''} ${req.url ?? ''}`)
    if (req.url?.startsWith('/.well-known/oauth-protected-resource') === true && setup.prm) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(setup.prm(`${mcpBase}/mcp`, asUrl)))
      return
    }
    if (req.url === '/mcp') {
      res.writeHead(401, {
        'www-authenticate': `Bearer resource_metadata="${mcpBase}/.well-known/oauth-protected-resource/mcp"`,
      })
      res.end()
      return
    }
    res.writeHead(404).end()
  })
  asUrl = await listen(as)
  mcpBase = await listen(mcp)
  return {
    mcpUrl: `${mcpBase}/mcp`,
    asUrl,
    requests,
    close: async () => {
      for (const server of [as, mcp]) {
        server.closeAllConnections()
        await new Promise<void>((resolve) =>
          server.close(() => {
            resolve()
          }),
        )
      }
    },
  }
}

/** Well-formed AS metadata to start from. */
export function goodAsMetadata(as: string): Record<string, unknown> {
  return {
    issuer: as,
    authorization_endpoint: `${as}/authorize`,
    token_endpoint: `${as}/token`,
    registration_endpoint: `${as}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  }
}
