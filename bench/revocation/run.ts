// Revocation latency (issue 12): two `mandate serve` instances on one PostgreSQL schema behind
// one front, plus a resource server in its own process following instance B's HTTP revocation
// feed. Each round signs a user in (one grant for B's /mcp, one for the separate server),
// checks both tokens work, revokes both at A (RFC 7009) and measures how long until B and the
// separate server refuse them. Loopback only; stops after `count` rounds (default 200).
// Usage: scripts/node24 node --conditions=@mandate/source bench/revocation/run.ts [count]
import { writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { BrowserAgent } from '../../packages/authorization-server/test/support/browser-agent.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../test/support/postgres.ts'
import type { MandateProcess } from '../../test/e2e/support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from '../../test/e2e/support/mandate-e2e.ts'
import type { Session } from '../../test/e2e/support/revocation-e2e.ts'
import { emitJson } from '../lib/emit.ts'
import {
  callMcp,
  discover,
  feedConfig,
  frontProxy,
  registerClient,
  revokeAccess,
  startFeedResourceServer,
  tokensFor,
  untilAccepted,
} from '../../test/e2e/support/revocation-e2e.ts'

const COUNT = Number(process.argv[2] ?? '200')

if ((await postgresSkipReason()) !== false) {
  console.error('bench/revocation needs PostgreSQL at', POSTGRES_TEST_URL)
  process.exit(1)
}

const dir = tempDir('mandate-bench-revocation-')
const schema = freshSchemaName()
let a: MandateProcess | undefined
let b: MandateProcess | undefined
const front = frontProxy(() => ({
  a: a?.url ?? new URL('http://127.0.0.1:9'),
  b: b?.url ?? new URL('http://127.0.0.1:9'),
}))
await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
const publicUrl = `http://127.0.0.1:${String((front.address() as AddressInfo).port)}`
const mcpUrl = `${publicUrl}/mcp`
const rs = await startFeedResourceServer()
try {
  const config = join(dir.path, 'mandate.json')
  const as = { ...feedConfig(rs.url), dcr: { perSourcePerHour: 1000 } }
  writeFileSync(config, JSON.stringify({ authorizationServer: as, log: { level: 'warn' } }))
  const shared = [
    ...['--data-dir', dir.path, '--database', POSTGRES_TEST_URL, '--database-schema', schema],
    ...['--config', config, '--public-url', publicUrl],
  ]
  await addUsers(shared, ['bench'])
  a = await startServe(shared)
  b = await startServe(shared)
  const endpoint = await discover(publicUrl)
  await rs.configure({ issuer: publicUrl, staleAfterMs: 10_000, waitSeconds: 4 })
  const agent = new BrowserAgent()
  const mcpClient = await registerClient(endpoint, 'bench-b')
  const rsClient = await registerClient(endpoint, 'bench-rs')
  const onB = { 'x-to': 'b' }
  const toB: number[] = []
  const toRs: number[] = []
  for (let round = 0; round < COUNT; round++) {
    const mcp: Session = await tokensFor(endpoint, mcpClient, 'bench', mcpUrl, agent)
    const other: Session = await tokensFor(endpoint, rsClient, 'bench', rs.url, agent)
    if ((await callMcp(mcpUrl, mcp.access, onB)).status !== 200) throw new Error('B refused')
    if ((await untilAccepted(rs.url, other.access)).status !== 200) throw new Error('RS refused')
    const start = performance.now()
    const refusedAfter = async (url: string, token: string, headers = {}) => {
      for (;;) {
        if ((await callMcp(url, token, headers)).status === 401) return performance.now() - start
        if (performance.now() - start > 30_000) throw new Error('not refused within 30 s')
      }
    }
    const [, , bMs, rsMs] = await Promise.all([
      revokeAccess(endpoint, mcp),
      revokeAccess(endpoint, other),
      refusedAfter(mcpUrl, mcp.access, onB),
      refusedAfter(rs.url, other.access),
    ])
    toB.push(bMs)
    toRs.push(rsMs)
  }
  const summary: Record<string, { n: number; p50: number; p99: number; max: number }> = {}
  const report = (name: string, values: number[]) => {
    const sorted = [...values].sort((x, y) => x - y)
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN
    summary[name] = { n: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) }
    console.log(
      `${name.padEnd(26)} n=${String(sorted.length)} p50=${at(0.5).toFixed(1)} ms p99=${at(0.99).toFixed(1)} ms max=${at(1).toFixed(1)} ms`,
    )
  }
  console.log(
    `revocation latency over ${String(COUNT)} revocations (from sending the RFC 7009 request at A)`,
  )
  report('instance B (/mcp)', toB)
  report('separate server (feed)', toRs)
  emitJson({ count: COUNT, latencyMs: summary })
} finally {
  front.closeAllConnections()
  front.close()
  await rs.stop()
  await a?.stop()
  await b?.stop()
  await dropSchema(schema)
  dir.remove()
}
