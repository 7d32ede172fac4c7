// Vault benchmark: read+decrypt latency and throughput on both backends, refresh under
// contention against a local oidc-provider, and raw AES-256-GCM on the same machine as the
// reference. Loopback only; stops by itself (each phase has a fixed duration or a fixed count).
//   scripts/node24 node --conditions=@mandate/source bench/vault/vault-bench.ts [--seconds 3]
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { openStore } from '@mandate/store'
import type { OpenStoreOptions } from '@mandate/store'
import { keyRingWrapper, openEnvelope, sealEnvelope } from '@mandate/vault'
import { startTestProvider } from '../../packages/vault/test/support/test-provider.ts'
import { expire, linkDemoAccount, openTestVault } from '../../packages/vault/test/support/vault.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../test/support/postgres.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } })
const SECONDS = Number(values.seconds)
const CONCURRENCY = 32
const PAYLOAD = Buffer.from(
  JSON.stringify({
    access_token: randomBytes(40).toString('base64url'),
    refresh_token: randomBytes(40).toString('base64url'),
  }),
)
const rows: string[] = []

function report(name: string, samples: number[], elapsedMs: number): void {
  samples.sort((a, b) => a - b)
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0
  const line = `| ${name} | ${Math.round((samples.length / elapsedMs) * 1000).toLocaleString('en')} | ${at(0.5).toFixed(3)} | ${at(0.99).toFixed(3)} |`
  rows.push(line)
  process.stdout.write(`${line}\n`)
}

/** Runs `op` with `concurrency` loops for SECONDS; returns per-op latencies (ms). */
async function measure(
  op: () => unknown,
  concurrency: number,
): Promise<{ samples: number[]; elapsed: number }> {
  const samples: number[] = []
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
  return { samples, elapsed: performance.now() - start }
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
  report('raw AES-256-GCM decrypt of one payload (reference)', one.samples, one.elapsed)
  const two = await measure(() => [open(), open()], 1)
  report('raw AES-256-GCM decrypt ×2 (the work of an envelope open)', two.samples, two.elapsed)
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
  const { samples, elapsed } = await measure(() => openEnvelope(wrapper, context, envelope), 1)
  report('envelope open (unwrap data key + decrypt), no database', samples, elapsed)
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
      const { samples, elapsed } = await measure(read, concurrency)
      report(`getFreshCredential, ${name}, concurrency ${String(concurrency)}`, samples, elapsed)
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
    `node ${process.version}, ${String(SECONDS)} s per phase\n| operation | ops/s | p50 ms | p99 ms |\n|---|---|---|---|\n`,
  )
  await rawAesGcm()
  await envelopeOnly()
  await vaultReads('sqlite', { kind: 'sqlite', filename: join(dir, 'bench.db') }, dir)
  if (postgres)
    await vaultReads('postgres', { kind: 'postgres', url: POSTGRES_TEST_URL, schema }, dir)
  await refreshContention('sqlite', { kind: 'sqlite', filename: join(dir, 'refresh.db') }, dir)
  if (postgres)
    await refreshContention(
      'postgres',
      { kind: 'postgres', url: POSTGRES_TEST_URL, schema: `${schema}_r` },
      dir,
    )
} finally {
  rmSync(dir, { recursive: true, force: true })
  if (postgres) {
    await dropSchema(schema)
    await dropSchema(`${schema}_r`)
  }
}
