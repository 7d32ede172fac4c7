// The gateway against the same upstream called directly, in one run, both called with the
// request the SDK v2 client sends: added p50 latency at one
// client (sequential keep-alive requests, µs resolution) and throughput at 64 clients
// (autocannon), with each server process's CPU per call. Loopback only; the runner serves the
// issuer's JWKS and an RFC 8693 token endpoint; stops by itself. Usage:
//   scripts/node24 node --conditions=@mandate/source bench/gateway/run.ts [seconds] [samples]
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { emitJson } from '../lib/emit.ts'

const seconds = Number(process.argv[2] ?? '8')
const samples = Number(process.argv[3] ?? '3000')

const { publicKey, privateKey } = await generateKeyPair('RS256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] }
let exchanges = 0
const mint = (aud: string, extra: Record<string, unknown> = {}): Promise<string> =>
  new SignJWT({ client_id: 'bench-client', scope: 'bench', ...extra })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(issuer)
    .setSubject('bench-user')
    .setAudience(aud)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime('1h')
    .sign(privateKey)
const as = createServer((req, res) => {
  res.setHeader('content-type', 'application/json')
  if (req.url === '/jwks') {
    res.end(JSON.stringify(jwks))
    return
  }
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => {
    const form = new URLSearchParams(body)
    exchanges++
    void mint(form.get('resource') ?? '', {
      client_id: 'bench-gateway',
      act: { sub: 'bench-gateway', act: { sub: 'bench-client' } },
    }).then((token) =>
      res.end(
        JSON.stringify({
          access_token: token,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      ),
    )
  })
}).listen(0, '127.0.0.1')
await once(as, 'listening')
const issuer = `http://127.0.0.1:${String((as.address() as AddressInfo).port)}`

// MANDATE_BENCH_CPU_PROF=<dir> (or BENCH_CPU_PROF): a V8 CPU profile of the gateway process,
// written when it stops.
const profile = process.env['MANDATE_BENCH_CPU_PROF'] ?? process.env['BENCH_CPU_PROF']
const start = async (args: string[]): Promise<{ child: ChildProcess; url: string }> => {
  const script = fileURLToPath(new URL('./server.ts', import.meta.url))
  const flags = ['--conditions=@mandate/source', '--disable-warning=ExperimentalWarning']
  if (profile !== undefined && args[0] === 'gateway')
    flags.push('--cpu-prof', `--cpu-prof-dir=${profile}`)
  const child = spawn(process.execPath, [...flags, script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const [chunk] = (await once(child.stdout ?? child, 'data')) as [Buffer]
  return { child, url: `http://127.0.0.1:${chunk.toString().trim()}/mcp` }
}
const cpu = async (child: ChildProcess): Promise<number> => {
  child.send('cpu')
  const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage]
  return usage.user + usage.system
}

const upstream = await start(['upstream', issuer])
const gateway = await start(['gateway', issuer, upstream.url, `${issuer}/token`])
const targets = [
  { name: 'direct', url: upstream.url, tool: 'echo', token: await mint(upstream.url) },
  { name: 'gateway', url: gateway.url, tool: 'up__echo', token: await mint(gateway.url) },
]
/**
 * The exact tools/call request the official SDK v2 client sends to `url` (2026-07-28 envelope,
 * as negotiated), so that both paths are called the way a real host calls them.
 */
const capture = async (
  url: string,
  tool: string,
  token: string,
): Promise<{ headers: Record<string, string>; body: string }> => {
  let captured: { headers: Record<string, string>; body: string } | undefined
  const client = new Client({ name: 'bench', version: '1' })
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${token}`)
      const body = typeof init?.body === 'string' ? init.body : ''
      if (body.includes('"tools/call"')) captured = { headers: Object.fromEntries(headers), body }
      return fetch(input, { ...init, headers })
    },
  })
  await client.connect(transport)
  await client.callTool({ name: tool, arguments: { text: 'hello' } })
  await client.close()
  if (captured === undefined) throw new Error('no tools/call captured')
  return captured
}

/** Median of `count` sequential calls on one keep-alive connection, ms. */
const sequentialP50 = async (
  url: string,
  headers: Record<string, string>,
  body: string,
  count: number,
) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now()
      const req = request(url, { method: 'POST', headers, agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${String(res.statusCode)}`))
        res.resume()
        res.on('end', () => {
          resolve(performance.now() - t0)
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  for (let i = 0; i < 300; i++) await one()
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(await one())
  agent.destroy()
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? 0
}

const results: Record<
  string,
  { p50: number; rps: number; errors: number; cpu: Record<string, number> }
> = {}
for (const target of targets) {
  const { headers, body } = await capture(target.url, target.tool, target.token)
  const p50 = await sequentialP50(target.url, headers, body, samples)
  const run = (duration: number) =>
    autocannon({ url: target.url, connections: 64, duration, method: 'POST', headers, body })
  await run(2)
  const before = { upstream: await cpu(upstream.child), gateway: await cpu(gateway.child) }
  const result = await run(seconds)
  const served = Math.max(result.requests.total, 1)
  const after = { upstream: await cpu(upstream.child), gateway: await cpu(gateway.child) }
  results[target.name] = {
    p50,
    rps: Math.round(result.requests.average),
    errors: result.errors + result.non2xx,
    cpu: {
      upstream: Math.round((after.upstream - before.upstream) / served),
      gateway: Math.round((after.gateway - before.gateway) / served),
    },
  }
}
for (const target of [upstream, gateway]) {
  target.child.send('stop')
  await once(target.child, 'exit')
}
as.close()

const direct = results['direct']
const via = results['gateway']
if (direct === undefined || via === undefined) throw new Error('no results')
const lines = [
  '| path | p50 at 1 client (ms) | req/s at 64 clients | upstream CPU µs/call | gateway CPU µs/call | errors |',
  '|---|---:|---:|---:|---:|---:|',
  ...Object.entries(results).map(
    ([name, r]) =>
      `| ${name} | ${r.p50.toFixed(3)} | ${String(r.rps)} | ${String(r.cpu['upstream'])} | ${name === 'direct' ? '—' : String(r.cpu['gateway'])} | ${String(r.errors)} |`,
  ),
  '',
  `added p50 at 1 client: ${(via.p50 - direct.p50).toFixed(3)} ms (cached exchanged token; ${String(exchanges)} exchange(s) in the run)`,
  `throughput at 64 clients: ${(via.rps / direct.rps).toFixed(2)}× direct`,
]
process.stdout.write(`${lines.join('\n')}\n`)
emitJson({ seconds, samples, exchanges, results })
