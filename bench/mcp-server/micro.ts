// In-process cost of one tools/call through each front door (no sockets, one thread): isolates
// the toolkit's own overhead from HTTP and load-generator noise. Usage:
//   scripts/node24 node --conditions=@mandate/source bench/mcp-server/micro.ts [iterations]
// (e) is @mandate/server with auth off. ONLY_C=1 measures only @mandate/server with JWT, ONLY_D=1
// only with JWT + DPoP, ONLY_E=1 only with auth off, e.g. under --cpu-prof (the DPoP proofs are
// signed before the clock starts).
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'
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
const protect = (mode: 'jwt' | 'dpop' | 'off'): ReturnType<typeof createProtectedMcpHandler> =>
  createProtectedMcpHandler({
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
    ...(mode === 'dpop' ? { dpop: { required: true } } : {}),
    ...(mode === 'off' ? { unauthenticatedTestMode: true } : {}),
  })
const guarded = protect('jwt')
const dpopGuarded = protect('dpop')
const unguarded = protect('off')
const dpopKeys = await generateKeyPair('ES256')
const dpopJwk = await exportJWK(dpopKeys.publicKey)
const mint = (bound: boolean): Promise<string> =>
  new SignJWT({ client_id: 'c', scope: 'bench', ...(bound ? { cnf: { jkt } } : {}) })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
    .setIssuer(issuer)
    .setSubject('u')
    .setAudience(resource)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime('1h')
    .sign(privateKey)
const jkt = await calculateJwkThumbprint(dpopJwk)
const token = await mint(false)
const boundToken = await mint(true)
const ath = createHash('sha256').update(boundToken).digest('base64url')
const proofs: string[] = []
const onlyC = process.env['ONLY_C'] !== undefined
const onlyD = process.env['ONLY_D'] !== undefined
const onlyE = process.env['ONLY_E'] !== undefined
if (!onlyC && !onlyE) {
  for (let i = 0; i < 2 * (iterations + 501); i++) {
    proofs.push(
      await new SignJWT({ htm: 'POST', htu: resource, jti: randomUUID(), ath })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJwk })
        .setIssuedAt()
        .sign(dpopKeys.privateKey),
    )
  }
}
// The envelope the SDK v2 client sends for tools/call at 2026-07-28, as in run.ts.
const body = JSON.stringify({
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: 'hi' },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
  jsonrpc: '2.0',
  id: 0,
})
const request = (auth: 'none' | 'bearer' | 'dpop'): Request =>
  new Request(resource, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
      'mcp-protocol-version': '2026-07-28',
      ...(auth === 'bearer' ? { authorization: `Bearer ${token}` } : {}),
      ...(auth === 'dpop' ? { authorization: `DPoP ${boundToken}`, dpop: proofs.pop() ?? '' } : {}),
    },
    body,
  })
const measure = async (name: string, call: () => Promise<Response>): Promise<void> => {
  const first = await call()
  if (first.status !== 200)
    throw new Error(`${name}: ${String(first.status)} ${await first.text()}`)
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
  const all = !onlyC && !onlyD && !onlyE
  if (all) await measure('(a) no auth        ', () => plain.fetch(request('none')))
  if (all || onlyE) await measure('(e) auth off       ', () => unguarded.fetch(request('none')))
  if (all || onlyC) await measure('(c) @mandate/server', () => guarded.fetch(request('bearer')))
  if (all || onlyD) await measure('(d) same + DPoP    ', () => dpopGuarded.fetch(request('dpop')))
}
await plain.close()
await guarded.close()
await dpopGuarded.close()
await unguarded.close()
server.close()
