// Vault benchmark: read+decrypt latency and throughput on both backends, refresh under
// contention against a local oidc-provider, and raw AES-256-GCM on the same machine as the
// reference. Loopback only; stops by itself (each phase has a fixed duration or a fixed count).
//   scripts/node24 node --conditions=@mandate/source bench/vault/vault-bench.ts [--seconds 3]
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { openStore } from '@mandate/store'
import type { OpenStoreOptions, Store } from '@mandate/store'
import { sql } from 'kysely'
import { keyRingWrapper, openEnvelope, sealEnvelope } from '@mandate/vault'
import { emitJson } from '../lib/emit.ts'
import { startTestProvider } from '../../packages/vault/test/support/test-provider.ts'
import { expire, linkDemoAccount, openTestVault } from '../../packages/vault/test/support/vault.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../test/support/postgres.ts'

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, only: { type: 'string' } },
})
// `--only postgres-reads` (or sqlite-reads, raw, refresh): one phase, e.g. under --cpu-prof.
const want = (phase: string): boolean => values.only === undefined || values.only === phase
const SECONDS = Number(values.seconds)
const CONCURRENCY = 32
const PAYLOAD = Buffer.from(
  JSON.stringify({
    access_token: randomBytes(40).toString('base64url'),
    refresh_token: randomBytes(40).toString('base64url'),
  }),
)
const rows: {
  name: string
  opsPerSecond: number
  p50: number
  p99: number
  cpuUsPerOp: number | null
  /** CPU of the PostgreSQL backends serving this process (null: not PostgreSQL). */
  dbCpuUsPerOp: number | null
}[] = []

function report(
  name: string,
  samples: number[],
  elapsedMs: number,
  cpuUs?: number,
  dbCpuUs?: number,
): void {
  samples.sort((a, b) => a - b)
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0
  const opsPerSecond = (samples.length / elapsedMs) * 1000
  const cpuUsPerOp = cpuUs === undefined ? null : cpuUs / Math.max(samples.length, 1)
  const dbCpuUsPerOp = dbCpuUs === undefined ? null : dbCpuUs / Math.max(samples.length, 1)
  rows.push({ name, opsPerSecond, p50: at(0.5), p99: at(0.99), cpuUsPerOp, dbCpuUsPerOp })
  const line = `| ${name} | ${Math.round(opsPerSecond).toLocaleString('en')} | ${at(0.5).toFixed(3)} | ${at(0.99).toFixed(3)} | ${cpuUsPerOp === null ? '' : cpuUsPerOp.toFixed(1)} | ${dbCpuUsPerOp === null ? '' : dbCpuUsPerOp.toFixed(1)} |`
  process.stdout.write(`${line}\n`)
}

/**
 * Runs `op` with `concurrency` loops for SECONDS; returns per-op latencies (ms) and this
 * process's CPU time (µs; the database server's own CPU is not included).
 */
async function measure(
  op: () => unknown,
  concurrency: number,
): Promise<{ samples: number[]; elapsed: number; cpu: number }> {
  const samples: number[] = []
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const deadline = start + SECONDS * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now()
        await op()
        samples.push(performance.now() - t)
      }
    }),
  )
  const elapsed = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  return { samples, elapsed, cpu: cpu.user + cpu.system }
}

async function rawAesGcm(): Promise<void> {
  const key = randomBytes(32)
  const aad = Buffer.from('["mandate-vault/1","payload","credential","user","provider","cred"]')
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(PAYLOAD), cipher.final()])
  const tag = cipher.getAuthTag()
  const open = () => {
    const decipher = createDecipheriv('aes-256-gcm', key, iv)
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(body), decipher.final()])
  }
  const one = await measure(open, 1)
  report('raw AES-256-GCM decrypt of one payload (reference)', one.samples, one.elapsed, one.cpu)
  const two = await measure(() => [open(), open()], 1)
  report(
    'raw AES-256-GCM decrypt ×2 (the work of an envelope open)',
    two.samples,
    two.elapsed,
    two.cpu,
  )
}

async function envelopeOnly(): Promise<void> {
  const wrapper = keyRingWrapper({ active: 1, keys: new Map([[1, randomBytes(32)]]) })
  const context = {
    kind: 'credential' as const,
    sub: 'user',
    provider: 'provider',
    recordId: 'cred',
  }
  const { envelope } = await sealEnvelope(wrapper, context, PAYLOAD)
  const { samples, elapsed, cpu } = await measure(() => openEnvelope(wrapper, context, envelope), 1)
  report('envelope open (unwrap data key + decrypt), no database', samples, elapsed, cpu)
}

// The PostgreSQL server's own CPU for this process's connections (loopback: same machine).
process.env['PGAPPNAME'] = `mandate-vault-bench-${String(process.pid)}`
async function backendPids(store: Store): Promise<number[]> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity
    where application_name = ${process.env['PGAPPNAME']}`.execute(store.db)
  return rows.map((row) => row.pid)
}
function backendsCpuUs(pids: number[]): number {
  let total = 0
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ')
      // utime and stime, fields 14 and 15 of proc_pid_stat(5), in ticks of 10 ms.
      total += (Number(fields?.[11]) + Number(fields?.[12])) * 10_000
    } catch {
      return NaN
    }
  }
  return total
}

async function vaultReads(name: string, options: OpenStoreOptions, dir: string): Promise<void> {
  const store = await openStore(options)
  const fixture = await openTestVault(store, join(dir, `${name}.key`))
  try {
    for (let index = 0; index < 100; index += 1) {
      await fixture.vault.saveOAuthCredential({
        sub: `user-${String(index)}`,
        provider: 'github',
        account: 'gh',
        tokens: { access_token: randomBytes(30).toString('base64url'), scope: 'repo' },
      })
    }
    const tool = fixture.vault.forTool([{ provider: 'github', scopes: ['repo'] }])
    let n = 0
    const read = () =>
      tool.getFreshCredential({ sub: `user-${String((n += 1) % 100)}`, provider: 'github' })
    for (const concurrency of [1, CONCURRENCY]) {
      await measure(read, concurrency) // warm-up (JIT, pool connections), not reported
      const backends = store.kind === 'postgres' ? await backendPids(store) : []
      const dbBefore = backendsCpuUs(backends)
      const { samples, elapsed, cpu } = await measure(read, concurrency)
      report(
        `getFreshCredential, ${name}, concurrency ${String(concurrency)}`,
        samples,
        elapsed,
        cpu,
        store.kind === 'postgres' ? backendsCpuUs(backends) - dbBefore : undefined,
      )
    }
  } finally {
    await fixture.close()
    await store.close()
  }
}

async function refreshContention(
  name: string,
  options: OpenStoreOptions,
  dir: string,
): Promise<void> {
  const store = await openStore(options)
  const provider = await startTestProvider()
  const fixture = await openTestVault(store, join(dir, `${name}-refresh.key`), provider)
  try {
    const credentials = 10
    const callers = 100
    const ids: string[] = []
    for (let index = 0; index < credentials; index += 1) {
      ids.push((await linkDemoAccount(fixture.vault, provider, `r-${String(index)}`)).id)
    }
    const tool = fixture.vault.forTool([{ provider: 'demo' }])
    const samples: number[] = []
    const rounds = 5
    const start = performance.now()
    const before = provider.refreshRequests
    for (let round = 0; round < rounds; round += 1) {
      for (const id of ids) await expire(store, id)
      await Promise.all(
        ids.flatMap((_, index) =>
          Array.from({ length: callers }, async () => {
            const t = performance.now()
            await tool.getFreshCredential({ sub: `r-${String(index)}`, provider: 'demo' })
            samples.push(performance.now() - t)
          }),
        ),
      )
    }
    const elapsed = performance.now() - start
    report(
      `refresh under contention, ${name}: ${String(credentials)} expired × ${String(callers)} callers, ${String(provider.refreshRequests - before)} provider calls for ${String(rounds * credentials)} expiries`,
      samples,
      elapsed,
    )
  } finally {
    await fixture.close()
    await provider.close()
    await store.close()
  }
}

const dir = mkdtempSync(join(tmpdir(), 'mandate-vault-bench-'))
const schema = freshSchemaName()
const postgres = (await postgresSkipReason()) === false
try {
  process.stdout.write(
    `node ${process.version}, ${String(SECONDS)} s per phase\n| operation | ops/s | p50 ms | p99 ms | CPU µs/op | PostgreSQL CPU µs/op |\n|---|---|---|---|---|---|\n`,
  )
  if (want('raw')) await rawAesGcm()
  if (want('raw')) await envelopeOnly()
  if (want('sqlite-reads'))
    await vaultReads('sqlite', { kind: 'sqlite', filename: join(dir, 'bench.db') }, dir)
  if (postgres && want('postgres-reads'))
    await vaultReads('postgres', { kind: 'postgres', url: POSTGRES_TEST_URL, schema }, dir)
  if (want('refresh'))
    await refreshContention('sqlite', { kind: 'sqlite', filename: join(dir, 'refresh.db') }, dir)
  if (postgres && want('refresh'))
    await refreshContention(
      'postgres',
      { kind: 'postgres', url: POSTGRES_TEST_URL, schema: `${schema}_r` },
      dir,
    )
  emitJson({ seconds: SECONDS, concurrency: CONCURRENCY, postgres, rows })
} finally {
  rmSync(dir, { recursive: true, force: true })
  if (postgres) {
    await dropSchema(schema)
    await dropSchema(`${schema}_r`)
  }
}
