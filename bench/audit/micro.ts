// In-process CPU per tools/call through @mandate/server with auditing off vs on (store-backed
// sink on SQLite, and PostgreSQL when MANDATE_BENCH_DATABASE_URL is set): no sockets, no load
// generator, 16 calls in flight, the final flush counted. Steadier than run.ts on a busy
// machine; run it under --cpu-prof to see where the audit's share goes. Usage:
//   scripts/node24 node --conditions=@mandate/source bench/audit/micro.ts [calls] [rounds]
// Also reports the sink alone (the events a tool call emits, 5 × calls of them) per event.
// (ONLY=on, ONLY=off or ONLY=sink measures one part, e.g. under --cpu-prof.)
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { sql } from 'kysely'
import { createProtectedMcpHandler, defineTool } from '@mandate/server'
import { createStoreAuditSink, openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'

const calls = Number(process.argv[2] ?? '20000')
const rounds = Number(process.argv[3] ?? '3')
const only = process.env['ONLY']
const IN_FLIGHT = 16
const { publicKey, privateKey } = await generateKeyPair('RS256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' }] }
const jwksServer = createServer((_q, r) => r.end(JSON.stringify(jwks))).listen(0, '127.0.0.1')
await once(jwksServer, 'listening')
const issuer = `http://127.0.0.1:${String((jwksServer.address() as AddressInfo).port)}`
const resource = 'http://127.0.0.1:4999/mcp'
const signingKey = generateKeyPairSync('ed25519').privateKey
const echo = defineTool(
  'echo',
  { inputSchema: z.object({ text: z.string() }), requires: { scopes: ['bench'] } },
  ({ text }) => ({ content: [{ type: 'text', text }] }),
)
const token = await new SignJWT({ client_id: 'bench-client', scope: 'bench' })
  .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'k' })
  .setIssuer(issuer)
  .setSubject('bench-user')
  .setAudience(resource)
  .setIssuedAt()
  .setJti(randomUUID())
  .setExpirationTime('1h')
  .sign(privateKey)
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: 'hello' } },
})
const request = (): Request =>
  new Request(resource, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      'user-agent': 'bench/1',
    },
    body,
  })

/** CPU µs per call (flush included) of `n` calls, 16 in flight. */
const measure = async (store: Store, audited: boolean, n: number): Promise<number> => {
  const sink = audited
    ? createStoreAuditSink(store, {
        instanceId: 'bench',
        signer: { kid: 'bench', sign: (p) => sign(null, p, signingKey).toString('base64url') },
      })
    : undefined
  const handler = createProtectedMcpHandler({
    resource,
    authorizationServers: [issuer],
    verifier: { jwt: { issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] } },
    tools: [echo],
    factory: (ctx) => {
      const server = new McpServer({ name: 'bench', version: '1' })
      ctx.registerTools(server, [echo])
      return server
    },
    mcp: { responseMode: 'json' },
    ...(sink === undefined
      ? {}
      : {
          audit: {
            record: (event) => {
              sink.admit()
              sink.emit(event)
            },
          },
        }),
  })
  const run = async (count: number): Promise<void> => {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next++ < count) {
        const response = await handler.fetch(request())
        if (response.status !== 200)
          throw new Error(`status ${String(response.status)} ${await response.text()}`)
        await response.text()
        // A server yields to the event loop between requests (socket I/O); so do we, or the
        // sink's flush timer would never fire.
        await new Promise(setImmediate)
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  }
  await (await handler.fetch(request())).text() // fetches the JWKS once
  await run(1000)
  await sink?.flush()
  const start = process.cpuUsage()
  await run(n)
  await sink?.close()
  const cpu = process.cpuUsage(start)
  await handler.close()
  return (cpu.user + cpu.system) / n
}

/**
 * CPU µs per event of the sink alone (flattening, queueing, chaining, batched insert, final
 * flush): the event a tool call emits, `n` of them, yielding to the event loop as a server does.
 */
const sinkAlone = async (store: Store, n: number): Promise<number> => {
  const sink = createStoreAuditSink(store, {
    instanceId: 'bench',
    signer: { kid: 'bench', sign: (p) => sign(null, p, signingKey).toString('base64url') },
  })
  const emit = () => {
    sink.admit()
    sink.emit({
      time: Date.now(),
      sub: 'bench-user',
      client_id: 'bench-client',
      issuer,
      scope_granted: 'bench',
      user_agent: 'bench/1',
      type: 'mcp.tool_call',
      outcome: 'allowed',
      tool: 'echo',
      server: resource,
    })
  }
  for (let i = 0; i < 1000; i++) emit()
  await sink.flush()
  const start = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    emit()
    if (i % IN_FLIGHT === 0) await new Promise(setImmediate)
  }
  await sink.close()
  const cpu = process.cpuUsage(start)
  return (cpu.user + cpu.system) / n
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-audit-micro-'))
const backends: [string, () => Promise<Store>][] = [
  ['sqlite', () => openStore({ kind: 'sqlite', filename: join(dir, 'bench.db') })],
]
const pg = process.env['MANDATE_BENCH_DATABASE_URL']
const schema = `bench_${randomBytes(4).toString('hex')}`
if (pg !== undefined)
  backends.push(['postgres', () => openStore({ kind: 'postgres', url: pg, schema })])
try {
  for (const [name, open] of backends) {
    const store = await open()
    const off: number[] = []
    const on: number[] = []
    const alone: number[] = []
    for (let round = 0; round < rounds; round++) {
      if (only === undefined || only === 'sink') alone.push(await sinkAlone(store, calls * 5))
      if (only === undefined || only === 'off') off.push(await measure(store, false, calls))
      if (only === undefined || only === 'on') on.push(await measure(store, true, calls))
      process.stdout.write(
        `${name} round ${String(round + 1)}: sink alone ${alone.at(-1)?.toFixed(1) ?? '-'} µs CPU/event, off ${off.at(-1)?.toFixed(1) ?? '-'} µs CPU/call, on ${on.at(-1)?.toFixed(1) ?? '-'} µs CPU/call\n`,
      )
    }
    const [c0, c1] = [median(off), median(on)]
    process.stdout.write(
      `${name}: median sink alone ${median(alone).toFixed(1)} µs CPU/event; median off ${c0.toFixed(1)} µs, on ${c1.toFixed(1)} µs CPU/call: audit +${(c1 - c0).toFixed(1)} µs (+${(((c1 - c0) / c0) * 100).toFixed(1)}%)\n`,
    )
    if (name === 'postgres')
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db)
    await store.close()
  }
} finally {
  jwksServer.close()
  rmSync(dir, { recursive: true, force: true })
}
