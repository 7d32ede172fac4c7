// A resource server deployed apart from Mandate (issue 12): its own process, no store, built
// with @mandate/server and fed by the AS's HTTP revocation feed. It listens first and prints
// `listening <url>` (the AS needs the resource URL in its configuration), then reads one JSON
// line of settings on stdin, builds the protected handler and prints `ready`.
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createInterface } from 'node:readline'
import { createLogger } from '@mandate/core'
import { createNodeHandler, httpRevocationFeed } from '@mandate/server'
import { McpServer } from '@modelcontextprotocol/server'

interface Settings {
  issuer: string
  clientId: string
  clientSecret: string
  staleAfterMs: number
  waitSeconds: number
  url?: string
}

let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
const server = createServer((req, res) => {
  if (handle === undefined) {
    res.writeHead(503).end()
    return
  }
  handle(req, res)
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`listening http://127.0.0.1:${String(port)}/mcp\n`)
})

const lines = createInterface({ input: process.stdin })
lines.once('line', (line) => {
  const settings = JSON.parse(line) as Settings
  const { port } = server.address() as AddressInfo
  const resource = `http://127.0.0.1:${String(port)}/mcp`
  // Warnings only (they say why a feed read failed; never a secret): the test waits on them.
  const logger = createLogger({
    level: 'warn',
    write: (text) => process.stderr.write(text),
  })
  const node = createNodeHandler({
    resource,
    authorizationServers: [settings.issuer],
    verifier: { jwt: { issuers: [{ issuer: settings.issuer }] } },
    factory: () => new McpServer({ name: 'feed-resource-server', version: '0' }),
    revocationFeed: httpRevocationFeed({
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      waitSeconds: settings.waitSeconds,
      retryMs: 100,
      logger,
      ...(settings.url === undefined ? {} : { url: settings.url }),
    }),
    revocationStaleAfterMs: settings.staleAfterMs,
    logger,
    // Refused requests and why (the client sees only a generic description): the tests read them.
    audit: {
      record: (event) => {
        if (event.type === 'mcp.request_refused') {
          process.stdout.write(`${JSON.stringify({ audit: event })}\n`)
        }
      },
    },
  })
  handle = node
  process.stdout.write('ready\n')
  process.once('SIGTERM', () => {
    void node.close().finally(() => server.close(() => process.exit(0)))
    server.closeAllConnections()
  })
})
