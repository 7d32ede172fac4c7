// Starts bench/token-endpoint/server.ts <kind> under --cpu-prof and drives codes + refreshes.
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
const kind = process.argv[2] ?? 'mandate-sqlite'
const COUNT = Number(process.argv[3] ?? '1500')
const VERIFIER = 'bench-verifier-bench-verifier-bench-verifier-0123'
const REDIRECT = 'http://127.0.0.1:7777/callback'
const child = spawn(process.execPath, ['--conditions=@mandate/source', '--disable-warning=ExperimentalWarning', '--cpu-prof', '--cpu-prof-dir=/tmp/asprof/out', '/work/main/bench/token-endpoint/server.ts', kind, String(COUNT)], { stdio: ['ignore', 'pipe', 'inherit'] })
let buffer = ''
const line = await new Promise<string>((resolve) => {
  child.stdout.on('data', (c: Buffer) => { buffer += c.toString(); const m = /^BENCH (.*)$/m.exec(buffer); if (m?.[1] !== undefined && buffer.includes('\n', m.index)) resolve(m[1]) })
})
const data = JSON.parse(line) as { issuer: string; codes: string[]; refreshTokens: string[] }
for (const grant of ['authorization_code', 'refresh_token']) {
  const bodies = grant === 'authorization_code'
    ? data.codes.map((code) => new URLSearchParams({ grant_type: grant, code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: 'bench' }).toString())
    : data.refreshTokens.map((t) => new URLSearchParams({ grant_type: grant, refresh_token: t, client_id: 'bench' }).toString())
  let n = 0
  const started = performance.now()
  const r = await autocannon({ url: `${data.issuer}/oauth/token`, connections: 16, amount: bodies.length, requests: [{ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (req) => ({ ...req, body: bodies[n++] ?? '' }) }] })
  console.log(kind, grant, (r.requests.total / ((performance.now() - started) / 1000)).toFixed(0), 'rps', r['2xx'], 'ok', r.non2xx + r.errors, 'err')
}
await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM') })
