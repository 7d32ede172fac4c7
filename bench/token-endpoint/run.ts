// Token-endpoint benchmark: code redemption and refresh on Mandate (SQLite, PostgreSQL) and
// on a bare oidc-provider with its memory adapter, side by side in one run, loopback only.
// Each scenario sends a fixed number of requests (one per pre-issued code or refresh token)
// and stops by itself. Usage: scripts/node24 node --conditions=@mandate/source bench/token-endpoint/run.ts [count]
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const COUNT = Number(process.argv[2] ?? '1500')
const CONNECTIONS = 16
const VERIFIER = 'bench-verifier-bench-verifier-bench-verifier-0123'
const REDIRECT = 'http://127.0.0.1:7777/callback'
const server = fileURLToPath(new URL('./server.ts', import.meta.url))

interface Result {
  kind: string
  grant: string
  rps: number
  p50: number
  p99: number
  ok: number
  errors: number
}

async function start(kind: string): Promise<{
  issuer: string
  codes: string[]
  refreshTokens: string[]
  stop: () => Promise<void>
}> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@mandate/source',
      '--disable-warning=ExperimentalWarning',
      server,
      kind,
      String(COUNT),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let buffer = ''
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      // oidc-provider prints notices on stdout: take our marked line only.
      const match = /^BENCH (.*)$/m.exec(buffer)
      if (match?.[1] !== undefined && buffer.includes('\n', match.index)) resolve(match[1])
    })
    child.once('exit', (code) => {
      reject(new Error(`${kind} exited with ${String(code)}`))
    })
  })
  const data = JSON.parse(line) as { issuer: string; codes: string[]; refreshTokens: string[] }
  return {
    ...data,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

const results: Result[] = []
for (const kind of ['bare-memory', 'mandate-sqlite', 'mandate-postgres']) {
  const instance = await start(kind)
  const tokenPath = kind === 'bare-memory' ? '/token' : '/oauth/token'
  for (const grant of ['authorization_code', 'refresh_token']) {
    const bodies =
      grant === 'authorization_code'
        ? instance.codes.map((code) =>
            new URLSearchParams({
              grant_type: grant,
              code,
              redirect_uri: REDIRECT,
              code_verifier: VERIFIER,
              client_id: 'bench',
            }).toString(),
          )
        : instance.refreshTokens.map((token) =>
            new URLSearchParams({
              grant_type: grant,
              refresh_token: token,
              client_id: 'bench',
            }).toString(),
          )
    let nextBody = 0
    const started = performance.now()
    const r = await autocannon({
      url: `${instance.issuer}${tokenPath}`,
      connections: CONNECTIONS,
      amount: bodies.length,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => ({ ...req, body: bodies[nextBody++ % bodies.length] ?? '' }),
        },
      ],
    })
    // Throughput over the whole run (autocannon's per-second average is coarse for short runs).
    results.push({
      kind,
      grant,
      rps: r.requests.total / ((performance.now() - started) / 1000),
      p50: r.latency.p50,
      p99: r.latency.p99,
      ok: r['2xx'],
      errors: r.non2xx + r.errors,
    })
  }
  await instance.stop()
}

const bare = (grant: string) =>
  results.find((r) => r.kind === 'bare-memory' && r.grant === grant)?.rps ?? NaN
process.stdout.write(
  `| server | grant | req/s | × bare | p50 ms | p99 ms | 2xx | errors |\n|---|---|---:|---:|---:|---:|---:|---:|\n`,
)
for (const r of results) {
  process.stdout.write(
    `| ${r.kind} | ${r.grant} | ${r.rps.toFixed(0)} | ${(r.rps / bare(r.grant)).toFixed(2)} | ${String(r.p50)} | ${String(r.p99)} | ${String(r.ok)} | ${String(r.errors)} |\n`,
  )
}
