// tools/call throughput and latency for an MCP server with no auth, the SDK's bearer-auth, and
// @mandate/server (JWT; JWT + DPoP). Loopback only, one process tree (this runner, the JWKS it
// serves, one child server per variant), stops by itself. Usage:
//   scripts/node24 node --conditions=@mandate/source bench/mcp-server/run.ts [seconds] [warmup] [1,16,64] [c,d]
// (a0) is the anchor: the SDK v2 served as its docs show (schema built in the per-request factory).
// The optional fifth argument names the variants to run (the anchor always runs);
// BENCH_CHILD_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to each server child.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { emitJson } from '../lib/emit.ts'
import { median } from '../lib/goals.ts'

const seconds = Number(process.argv[2] ?? '8')
const warmup = Number(process.argv[3] ?? '3')
const CONCURRENCY = (process.argv[4] ?? '1,16,64').split(',').map(Number)
const VARIANTS = {
  a0: 'SDK v2, no auth, as documented (anchor)',
  a: 'SDK v2, no auth, schema built once',
  b: 'SDK requireBearerAuth + jose',
  c: '@mandate/server JWT',
  c0: '@mandate/server JWT, verified-token cache off',
  d: '@mandate/server JWT + DPoP',
  e: '@mandate/server, auth off',
} as const
type Variant = keyof typeof VARIANTS

// The issuer: an RS256 key served as a JWKS on loopback.
const { publicKey, privateKey } = await generateKeyPair('RS256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] }
const jwksServer = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(jwks))
}).listen(0, '127.0.0.1')
await once(jwksServer, 'listening')
const issuer = `http://127.0.0.1:${String((jwksServer.address() as AddressInfo).port)}`

const dpopKeys = await generateKeyPair('ES256')
const dpopJwk = await exportJWK(dpopKeys.publicKey)
const jkt = await calculateJwkThumbprint(dpopJwk)

const mint = (resource: string, bound: boolean): Promise<string> =>
  new SignJWT({ client_id: 'bench-client', scope: 'bench', ...(bound ? { cnf: { jkt } } : {}) })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(issuer)
    .setSubject('bench-user')
    .setAudience(resource)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime('1h')
    .sign(privateKey)

const proofs = async (resource: string, token: string, count: number): Promise<string[]> => {
  const ath = createHash('sha256').update(token).digest('base64url')
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    out.push(
      await new SignJWT({ htm: 'POST', htu: resource, jti: randomUUID(), ath })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJwk })
        .setIssuedAt()
        .sign(dpopKeys.privateKey),
    )
  }
  return out
}

interface Target {
  child: ChildProcess
  resource: string
}
const start = async (variant: Variant): Promise<Target> => {
  const child = spawn(
    process.execPath,
    [
      ...(process.env['BENCH_CHILD_NODE_OPTIONS']?.split(' ') ?? []),
      '--conditions=@mandate/source',
      '--disable-warning=ExperimentalWarning',
      fileURLToPath(new URL('./server.ts', import.meta.url)),
      variant,
      issuer,
    ],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  )
  const [chunk] = (await once(child.stdout ?? child, 'data')) as [Buffer]
  return { child, resource: `http://127.0.0.1:${chunk.toString().trim()}/mcp` }
}
const cpu = async (child: ChildProcess): Promise<NodeJS.CpuUsage> => {
  child.send('cpu')
  const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage]
  return usage
}

// The exact request the official SDK v2 client sends for tools/call (2026-07-28 envelope).
const capture = async (
  resource: string,
): Promise<{ headers: Record<string, string>; body: string }> => {
  let captured: { headers: Record<string, string>; body: string } | undefined
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    fetch: (url, init) => {
      const body = typeof init?.body === 'string' ? init.body : ''
      if (body.includes('"tools/call"')) {
        captured = { headers: Object.fromEntries(new Headers(init?.headers).entries()), body }
      }
      return fetch(url, init)
    },
  })
  const client = new Client(
    { name: 'bench', version: '1' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  )
  await client.connect(transport)
  await client.callTool({ name: 'echo', arguments: { text: 'hello' } })
  await client.close()
  if (captured === undefined || !captured.body.includes('2026-07-28'))
    throw new Error('no 2026-07-28 tools/call captured')
  return captured
}

interface Row {
  variant: Variant
  connections: number
  rps: number
  p50: number
  p99: number
  cpuUsPerRequest: number
  errors: number
}
// Host speed drifts by tens of per cent over tens of seconds on a shared VM: measured one after
// the other, variants would be compared across that drift. So every variant's server runs from the
// start, and each concurrency's measured time is cut into rounds of `SLICE_SECONDS` in which every
// variant takes one turn, the order rotating from round to round. A variant's req/s, CPU per call
// and latencies are the medians of its turns, so one slow second of the host moves none of them.
const SLICE_SECONDS = Math.min(1, seconds)
const ROUNDS = Math.max(1, Math.round(seconds / SLICE_SECONDS))

interface Prepared extends Target {
  variant: Variant
  token: string | undefined
  headers: Record<string, string>
}
// The anchor always runs: it is what the others are divided by, and its request is the template.
const chosen = ['a0', ...(process.argv[5]?.split(',') ?? Object.keys(VARIANTS))]
const variants = (Object.keys(VARIANTS) as Variant[]).filter((v) => chosen.includes(v))
const targets: Prepared[] = []
let template: { headers: Record<string, string>; body: string } | undefined
for (const variant of variants) {
  const target = await start(variant)
  template ??= await capture(target.resource)
  const token =
    variant === 'a' || variant === 'a0' || variant === 'e'
      ? undefined
      : await mint(target.resource, variant === 'd')
  const headers: Record<string, string> = {
    ...template.headers,
    host: new URL(target.resource).host,
  }
  if (token !== undefined)
    headers['authorization'] = `${variant === 'd' ? 'DPoP' : 'Bearer'} ${token}`
  targets.push({ ...target, variant, token, headers })
}
const body = template?.body ?? ''

const load = async (
  target: Prepared,
  connections: number,
  duration: number,
): Promise<autocannon.Result> => {
  const pool =
    target.variant === 'd' && target.token !== undefined
      ? await proofs(target.resource, target.token, duration * 6000)
      : []
  // Each connection gets its own share of the proofs as requests built once: a proof set per
  // request (`setupRequest`) rebuilt every request in the load generator, whose CPU then capped
  // (d) instead of the server's.
  const share = Math.ceil(pool.length / connections)
  let client = 0
  return autocannon({
    url: target.resource,
    connections,
    duration,
    method: 'POST',
    headers: target.headers,
    body,
    ...(target.variant === 'd'
      ? {
          setupClient: (c: autocannon.Client) => {
            const mine = pool.slice(share * client, share * ++client)
            c.setRequests(mine.map((dpop) => ({ headers: { ...target.headers, dpop } })))
          },
        }
      : {}),
  })
}

interface Turns {
  rps: number[]
  cpuUsPerRequest: number[]
  p50: number[]
  p99: number[]
  errors: number
}
// A fresh server takes thousands of calls to reach its steady speed (JIT tiers, V8's young
// generation growing): measured cold, the first concurrency would mostly compare warm-up rates.
for (const target of targets) await load(target, 16, 4 * warmup)
const rows: Row[] = []
for (const connections of CONCURRENCY) {
  for (const target of targets) await load(target, connections, warmup)
  const turns = new Map<Variant, Turns>(
    variants.map((v) => [v, { rps: [], cpuUsPerRequest: [], p50: [], p99: [], errors: 0 }]),
  )
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length]
      const sum = target === undefined ? undefined : turns.get(target.variant)
      if (target === undefined || sum === undefined) continue
      const before = await cpu(target.child)
      const result = await load(target, connections, SLICE_SECONDS)
      const after = await cpu(target.child)
      const served = Math.max(result.requests.total, 1)
      sum.rps.push(result.requests.total / SLICE_SECONDS)
      sum.cpuUsPerRequest.push((after.user + after.system - before.user - before.system) / served)
      sum.p50.push(result.latency.p50)
      sum.p99.push(result.latency.p99)
      sum.errors += result.errors + result.non2xx
    }
  }
  for (const variant of variants) {
    const sum = turns.get(variant)
    if (sum === undefined) continue
    rows.push({
      variant,
      connections,
      rps: Math.round(median(sum.rps) ?? 0),
      p50: median(sum.p50) ?? 0,
      p99: median(sum.p99) ?? 0,
      cpuUsPerRequest: Math.round(median(sum.cpuUsPerRequest) ?? 0),
      errors: sum.errors,
    })
    process.stderr.write(`${variant} c=${String(connections)}: ${String(rows.at(-1)?.rps)} req/s\n`)
  }
}
for (const target of targets) {
  target.child.send('stop')
  await once(target.child, 'exit')
}
jwksServer.close()

const ratio = (r: Row, variant: Variant): string => {
  const base = rows.find((b) => b.variant === variant && b.connections === r.connections)?.rps
  return base === undefined ? '—' : (r.rps / base).toFixed(2)
}
const lines = [
  '| scenario | conc. | req/s | × anchor | × SDK auth | p50 ms | p99 ms | server CPU µs/req | errors |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| (${r.variant}) ${VARIANTS[r.variant]} | ${String(r.connections)} | ${String(r.rps)} | ${ratio(r, 'a0')} | ${ratio(r, 'b')} | ${String(r.p50)} | ${String(r.p99)} | ${String(r.cpuUsPerRequest)} | ${String(r.errors)} |`,
  ),
]
process.stdout.write(`${lines.join('\n')}\n`)
emitJson({
  seconds,
  warmup,
  rounds: ROUNDS,
  sliceSeconds: SLICE_SECONDS,
  rows: rows.map((r) => ({ ...r, label: VARIANTS[r.variant] })),
})
