// tools/call throughput through @mandate/server with auditing off vs on (store-backed sink:
// SQLite, and PostgreSQL when MANDATE_BENCH_DATABASE_URL is set). Rounds alternate off/on, the
// order swapped every round, so that machine noise hits both alike; the median of each side is
// reported. Loopback only, stops by itself. Reports req/s and the server's CPU per call
// (steadier on a busy machine).
// Usage:
//   scripts/node24 node --conditions=@mandate/source bench/audit/run.ts [seconds] [rounds]
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { sql } from 'kysely'
import { openStore } from '@mandate/store'

const seconds = Number(process.argv[2] ?? '8')
const rounds = Number(process.argv[3] ?? '3')
const CONNECTIONS = 16
// MANDATE_BENCH_CPU_PROF=<dir>: each server child writes a V8 CPU profile there.
const profiles = process.env['MANDATE_BENCH_CPU_PROF']
const { publicKey, privateKey } = await generateKeyPair('RS256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256' }] }
const jwksServer = createServer((_req, res) => res.end(JSON.stringify(jwks)))
jwksServer.listen(0, '127.0.0.1')
await once(jwksServer, 'listening')
const issuer = `http://127.0.0.1:${String((jwksServer.address() as AddressInfo).port)}`
const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-audit-'))

const start = async (mode: string, database: string, schema: string) => {
  const child = spawn(
    process.execPath,
    [
      ...(profiles === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profiles}`]),
      '--conditions=@mandate/source',
      '--disable-warning=ExperimentalWarning',
      fileURLToPath(new URL('./server.ts', import.meta.url)),
      mode,
      issuer,
      database,
      schema,
    ],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  )
  const [chunk] = (await once(child.stdout ?? child, 'data')) as [Buffer]
  return { child, resource: `http://127.0.0.1:${chunk.toString().trim()}/mcp` }
}
const mark = async (child: ChildProcess): Promise<void> => {
  child.send('mark')
  await once(child, 'message')
}
interface Stopped {
  stored: number
  cpuMicros: number
  gc: { minor: number; major: number }
}
const stop = async (child: ChildProcess): Promise<Stopped> => {
  const exited = once(child, 'exit')
  child.send('stop')
  const [message] = (await once(child, 'message')) as [Stopped]
  await exited
  return message
}

const measure = async (mode: string, database: string, schema: string) => {
  const target = await start(mode, database, schema)
  const token = await new SignJWT({ client_id: 'bench-client', scope: 'bench' })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(issuer)
    .setSubject('bench-user')
    .setAudience(target.resource)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime('1h')
    .sign(privateKey)
  const options = {
    url: target.resource,
    connections: CONNECTIONS,
    method: 'POST' as const,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'hello' } },
    }),
  }
  await autocannon({ ...options, duration: 2 })
  await mark(target.child)
  const result = await autocannon({ ...options, duration: seconds })
  const { stored, cpuMicros, gc } = await stop(target.child)
  const calls = Math.max(1, result.requests.total)
  const bad = result.non2xx + result.errors
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    bad,
    // Server CPU per call, the final flush of the queued events included.
    cpu: cpuMicros / calls,
    // GC pauses (minor + major) per call: the share of the CPU that allocation costs.
    gc: `${(gc.minor / calls).toFixed(0)}+${(gc.major / calls).toFixed(0)} µs GC`,
    stored,
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
const backends: [string, string, string][] = [['sqlite', join(dir, 'bench.db'), 'public']]
const pg = process.env['MANDATE_BENCH_DATABASE_URL']
if (pg !== undefined) backends.push(['postgres', pg, `bench_${randomBytes(4).toString('hex')}`])
try {
  for (const [name, database, schema] of backends) {
    const off: number[] = []
    const on: number[] = []
    const offCpu: number[] = []
    const onCpu: number[] = []
    const ratios: number[] = []
    for (let round = 0; round < rounds; round++) {
      // Each side goes first every other round, so that load drifting within a round (and a
      // database the previous round just wrote to) weighs on both alike.
      const first = round % 2 === 0 ? 'off' : 'on'
      const x = await measure(first, database, schema)
      const y = await measure(first === 'off' ? 'on' : 'off', database, schema)
      const [a, b] = first === 'off' ? [x, y] : [y, x]
      off.push(a.rps)
      on.push(b.rps)
      offCpu.push(a.cpu)
      onCpu.push(b.cpu)
      ratios.push(b.rps / a.rps)
      process.stdout.write(
        `${name} round ${String(round + 1)}: off ${a.rps.toFixed(0)} req/s (p99 ${String(a.p99)} ms, ${a.cpu.toFixed(0)} µs CPU/call, ${a.gc}), on ${b.rps.toFixed(0)} req/s (p99 ${String(b.p99)} ms, ${b.cpu.toFixed(0)} µs CPU/call, ${b.gc}), non-2xx ${String(a.bad + b.bad)}, events stored ${String(b.stored)}\n`,
      )
    }
    const [m0, m1, c0, c1] = [median(off), median(on), median(offCpu), median(onCpu)]
    process.stdout.write(
      `${name}: median off ${m0.toFixed(0)} req/s, on ${m1.toFixed(0)} req/s, overhead ${(((m0 - m1) / m0) * 100).toFixed(1)}% fewer req/s (per-round on/off ${ratios.map((r) => r.toFixed(3)).join(', ')}); server CPU/call median off ${c0.toFixed(0)} µs, on ${c1.toFixed(0)} µs (+${(((c1 - c0) / c0) * 100).toFixed(1)}%)\n`,
    )
  }
} finally {
  jwksServer.close()
  rmSync(dir, { recursive: true, force: true })
  const schema = backends[1]?.[2]
  if (pg !== undefined && schema !== undefined) {
    const admin = await openStore({ kind: 'postgres', url: pg, schema }, { migrate: false })
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db)
    await admin.close()
  }
}
