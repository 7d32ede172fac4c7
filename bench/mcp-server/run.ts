// tools/call throughput and latency for an MCP server with no auth, the SDK's bearer-auth, and
// @mandate/server (JWT; JWT + DPoP). Loopback only, one process tree (this runner, the JWKS it
// serves, one child server at a time), stops by itself. Usage:
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
const rows: Row[] = []
let template: { headers: Record<string, string>; body: string } | undefined

// The anchor always runs: it is what the others are divided by, and its request is the template.
const chosen = ['a0', ...(process.argv[5]?.split(',') ?? Object.keys(VARIANTS))]
for (const variant of (Object.keys(VARIANTS) as Variant[]).filter((v) => chosen.includes(v))) {
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
  for (const connections of CONCURRENCY) {
    const run = async (duration: number): Promise<autocannon.Result> => {
      const pool =
        variant === 'd' && token !== undefined
          ? await proofs(target.resource, token, duration * 6000)
          : []
      // Each connection gets its own share of the proofs as requests built once: a proof set
      // per request (`setupRequest`) rebuilt every request in the load generator, whose CPU
      // then capped (d) instead of the server's.
      const share = Math.ceil(pool.length / connections)
      let client = 0
      return autocannon({
        url: target.resource,
        connections,
        duration,
        method: 'POST',
        headers,
        body: template?.body ?? '',
        ...(variant === 'd'
          ? {
              setupClient: (c: autocannon.Client) => {
                const mine = pool.slice(share * client, share * ++client)
                c.setRequests(mine.map((dpop) => ({ headers: { ...headers, dpop } })))
              },
            }
          : {}),
      })
    }
    await run(warmup)
    const before = await cpu(target.child)
    const result = await run(seconds)
    const after = await cpu(target.child)
    const served = result.requests.total
    rows.push({
      variant,
      connections,
      rps: Math.round(result.requests.average),
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuUsPerRequest: Math.round(
        (after.user + after.system - before.user - before.system) / Math.max(served, 1),
      ),
      errors: result.errors + result.non2xx,
    })
    process.stderr.write(`${variant} c=${String(connections)}: ${String(rows.at(-1)?.rps)} req/s\n`)
  }
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
  rows: rows.map((r) => ({ ...r, label: VARIANTS[r.variant] })),
})
