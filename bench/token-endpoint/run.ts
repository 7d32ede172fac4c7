// Token-endpoint benchmark: code redemption and refresh on Mandate (SQLite, PostgreSQL) and
// on a bare oidc-provider, with its memory adapter and on the least SQLite adapter
// (sqlite-adapter.ts), side by side in one run, loopback only.
// Each scenario sends a fixed number of requests (one per pre-issued code or refresh token)
// and stops by itself. Usage: scripts/node24 node --conditions=@mandate/source bench/token-endpoint/run.ts [count]
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { emitJson } from '../lib/emit.ts'

const COUNT = Number(process.argv[2] ?? '1500')
const CONNECTIONS = 16
const VERIFIER = 'bench-verifier-bench-verifier-bench-verifier-0123'
const REDIRECT = 'http://127.0.0.1:7777/callback'
const server = fileURLToPath(new URL('./server.ts', import.meta.url))
// MANDATE_BENCH_CPU_PROF=<dir>: each server child writes a V8 CPU profile of the requests
// there when it stops (server.ts reads the variable itself).
// MANDATE_BENCH_KINDS=bare-memory,mandate-sqlite: run only these servers (default: all four).
const KINDS = (
  process.env['MANDATE_BENCH_KINDS'] ?? 'bare-memory,bare-sqlite,mandate-sqlite,mandate-postgres'
)
  .split(',')
  .filter((kind) => kind !== '')

interface Result {
  kind: string
  grant: string
  rps: number
  /** Server CPU (user + system) per request, µs: robust on a shared machine, unlike req/s. */
  cpuUs: number
  p50: number
  p99: number
  ok: number
  errors: number
}

/** CPU time (user + system) a process has used, ms, from /proc (Linux; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
      .split(') ')[1]
      ?.split(' ')
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ = 100).
    return (Number(fields?.[11]) + Number(fields?.[12])) * 10
  } catch {
    return NaN
  }
}

async function start(kind: string): Promise<{
  pid: number | undefined
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
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** Sends each body once (16 connections); returns autocannon's result and the true elapsed time. */
async function load(
  url: string,
  bodies: string[],
): Promise<{ result: autocannon.Result; elapsedMs: number }> {
  let nextBody = 0
  const started = performance.now()
  let lastResponse = started
  const options: autocannon.Options = {
    url,
    connections: CONNECTIONS,
    amount: bodies.length,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        setupRequest: (req) => ({ ...req, body: bodies[nextBody++ % bodies.length] ?? '' }),
      },
    ],
  }
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(options, (error: unknown, out) => {
      if (error === null || error === undefined) resolve(out)
      else reject(error instanceof Error ? error : new Error('autocannon failed'))
    }).on('response', () => {
      lastResponse = performance.now()
    })
  })
  // From the first request to the last response. Not autocannon's own duration: it notices
  // the end of a fixed-amount run only on its 1 s sampling tick, so its elapsed time (and any
  // rate derived from it) is rounded up to whole seconds.
  return { result, elapsedMs: lastResponse - started }
}

const results: Result[] = []
for (const kind of KINDS) {
  const instance = await start(kind)
  const tokenPath = kind.startsWith('bare-') ? '/token' : '/oauth/token'
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
    // The first tenth of the codes / tokens warms the server up (JIT, first queries) and is
    // not measured; each scenario would otherwise carry its own warm-up differently.
    const warmup = Math.floor(bodies.length / 10)
    await load(`${instance.issuer}${tokenPath}`, bodies.slice(0, warmup))
    const measured = bodies.slice(warmup)
    const cpuBefore = cpuMs(instance.pid)
    const { result: r, elapsedMs } = await load(`${instance.issuer}${tokenPath}`, measured)
    results.push({
      kind,
      grant,
      rps: r.requests.total / (elapsedMs / 1000),
      cpuUs: ((cpuMs(instance.pid) - cpuBefore) * 1000) / r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      ok: r['2xx'],
      errors: r.non2xx + r.errors,
    })
  }
  await instance.stop()
}

const bare = (kind: string, grant: string) =>
  results.find((r) => r.kind === kind && r.grant === grant)?.rps ?? NaN
process.stdout.write(
  `| server | grant | req/s | × bare | × bare-sqlite | server CPU µs/req | p50 ms | p99 ms | 2xx | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`,
)
for (const r of results) {
  process.stdout.write(
    `| ${r.kind} | ${r.grant} | ${r.rps.toFixed(0)} | ${(r.rps / bare('bare-memory', r.grant)).toFixed(2)} | ${(r.rps / bare('bare-sqlite', r.grant)).toFixed(2)} | ${r.cpuUs.toFixed(0)} | ${String(r.p50)} | ${String(r.p99)} | ${String(r.ok)} | ${String(r.errors)} |\n`,
  )
}
emitJson({ count: COUNT, rows: results })
