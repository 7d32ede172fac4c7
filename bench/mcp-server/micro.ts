// In-process cost of one tools/call through each front door (no sockets, one thread): isolates
// the toolkit's own overhead from HTTP and load-generator noise. Usage:
//   scripts/node24 node --conditions=@mandate/source bench/mcp-server/micro.ts [iterations]
// (ONLY_C=1 measures only @mandate/server, e.g. under --cpu-prof.)
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createProtectedMcpHandler, defineTool } from '@mandate/server'
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'

const iterations = Number(process.argv[2] ?? '5000')
const { publicKey, privateKey } = await generateKeyPair('RS256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' }] }
const server = createServer((_q, r) => r.end(JSON.stringify(jwks))).listen(0, '127.0.0.1')
await once(server, 'listening')
const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
const resource = 'http://127.0.0.1:4999/mcp'
const input = z.object({ text: z.string() })
const factory = (): McpServer => {
  const s = new McpServer({ name: 'b', version: '1' })
  s.registerTool('echo', { inputSchema: input }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }))
  return s
}
const echo = defineTool(
  'echo',
  { inputSchema: input, requires: { scopes: ['bench'] } },
  ({ text }) => ({
    content: [{ type: 'text', text }],
  }),
)
const plain = createMcpHandler(factory, { responseMode: 'json' })
const guarded = createProtectedMcpHandler({
  resource,
  authorizationServers: [issuer],
  verifier: { jwt: { issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] } },
  tools: [echo],
  factory: (ctx) => {
    const s = new McpServer({ name: 'b', version: '1' })
    ctx.registerTools(s, [echo])
    return s
  },
  mcp: { responseMode: 'json' },
})
const token = await new SignJWT({ client_id: 'c', scope: 'bench' })
  .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
  .setIssuer(issuer)
  .setSubject('u')
  .setAudience(resource)
  .setIssuedAt()
  .setJti(randomUUID())
  .setExpirationTime('1h')
  .sign(privateKey)
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hi' } },
})
const request = (auth: boolean): Request =>
  new Request(resource, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(auth ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  })
const measure = async (name: string, call: () => Promise<Response>): Promise<void> => {
  for (let i = 0; i < 500; i++) await (await call()).text()
  const start = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < iterations; i++) await (await call()).text()
  const cpu = process.cpuUsage(start)
  process.stdout.write(
    `${name}: ${(((performance.now() - t0) * 1000) / iterations).toFixed(0)} µs/call wall, ${((cpu.user + cpu.system) / iterations).toFixed(0)} µs/call CPU\n`,
  )
}
for (let round = 0; round < 2; round++) {
  if (process.env['ONLY_C'] === undefined)
    await measure('(a) no auth        ', () => plain.fetch(request(false)))
  await measure('(c) @mandate/server', () => guarded.fetch(request(true)))
}
await plain.close()
await guarded.close()
server.close()
