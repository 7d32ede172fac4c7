// Revocation latency (issue 12): two `mandate serve` instances (gateway on) on one PostgreSQL
// schema behind one front, a resource server in its own process and `mandate gateway` alone,
// both following the HTTP revocation feed (served by B). Each round signs a user in (one grant
// each for B's /mcp, B's gateway, the separate server and the standalone gateway), checks the
// tokens work, revokes them at A (RFC 7009) and measures how long until each refuses its token.
// Loopback only; stops after `count` rounds (default 200).
// Usage: scripts/node24 node --conditions=@mandate/source bench/revocation/run.ts [count]
import { randomBytes } from 'node:crypto'
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
import type { GatewayProcess } from '../../test/e2e/support/standalone-gateway.ts'
import {
  freePort,
  standaloneGatewayAtAs,
  startGateway,
} from '../../test/e2e/support/standalone-gateway.ts'

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
const gatewayUrl = `${publicUrl}/gateway/mcp`
const aloneUrl = `http://127.0.0.1:${String(await freePort())}/gateway/mcp`
const rs = await startFeedResourceServer()
let alone: GatewayProcess | undefined
try {
  const config = join(dir.path, 'mandate.json')
  // The standalone gateway reads the feed as a client of its own (serve registers its gateway's).
  const secret = randomBytes(32).toString('base64url')
  const aloneAtAs = standaloneGatewayAtAs(aloneUrl, secret, ['notes:read'], 'gateway-alone')
  const feed = feedConfig(rs.url) as { resources: object; clients: object[] }
  const as = {
    ...feed,
    resources: { ...feed.resources, ...aloneAtAs.resources },
    clients: [...feed.clients, ...aloneAtAs.clients],
    dcr: { perSourcePerHour: 1000 },
  }
  const gateway = { enabled: true, scopes: ['notes:read'] }
  writeFileSync(
    config,
    JSON.stringify({ authorizationServer: as, gateway, log: { level: 'warn' } }),
  )
  const secretFile = join(dir.path, 'gateway-alone-secret')
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
  const aloneConfig = join(dir.path, 'gateway-alone.json')
  writeFileSync(
    aloneConfig,
    JSON.stringify({
      server: { port: Number(new URL(aloneUrl).port) },
      log: { level: 'warn' },
      gateway: {
        issuer: publicUrl,
        clientId: 'gateway-alone',
        clientSecretFile: secretFile,
        revocation: { waitSeconds: 4, staleAfterMs: 10_000 },
      },
    }),
  )
  const shared = [
    ...['--data-dir', dir.path, '--database', POSTGRES_TEST_URL, '--database-schema', schema],
    ...['--config', config, '--public-url', publicUrl],
  ]
  await addUsers(shared, ['bench'])
  a = await startServe(shared)
  b = await startServe(shared)
  const endpoint = await discover(publicUrl)
  await rs.configure({ issuer: publicUrl, staleAfterMs: 10_000, waitSeconds: 4 })
  alone = await startGateway(aloneConfig)
  const agent = new BrowserAgent()
  const mcpClient = await registerClient(endpoint, 'bench-b')
  const rsClient = await registerClient(endpoint, 'bench-rs')
  const gwClient = await registerClient(endpoint, 'bench-gateway')
  const aloneClient = await registerClient(endpoint, 'bench-gateway-alone')
  const onB = { 'x-to': 'b' }
  const toB: number[] = []
  const toRs: number[] = []
  const toGateway: number[] = []
  const toAlone: number[] = []
  for (let round = 0; round < COUNT; round++) {
    const mcp: Session = await tokensFor(endpoint, mcpClient, 'bench', mcpUrl, agent)
    const other: Session = await tokensFor(endpoint, rsClient, 'bench', rs.url, agent)
    const viaGateway: Session = await tokensFor(endpoint, gwClient, 'bench', gatewayUrl, agent)
    const viaAlone: Session = await tokensFor(endpoint, aloneClient, 'bench', aloneUrl, agent)
    if ((await callMcp(mcpUrl, mcp.access, onB)).status !== 200) throw new Error('B refused')
    if ((await untilAccepted(rs.url, other.access)).status !== 200) throw new Error('RS refused')
    if ((await callMcp(gatewayUrl, viaGateway.access, onB)).status !== 200)
      throw new Error('gateway on B refused')
    if ((await untilAccepted(aloneUrl, viaAlone.access)).status !== 200)
      throw new Error('standalone gateway refused')
    const start = performance.now()
    const refusedAfter = async (url: string, token: string, headers = {}) => {
      for (;;) {
        if ((await callMcp(url, token, headers)).status === 401) return performance.now() - start
        if (performance.now() - start > 30_000) throw new Error('not refused within 30 s')
      }
    }
    const [, , , , bMs, rsMs, gatewayMs, aloneMs] = await Promise.all([
      revokeAccess(endpoint, mcp),
      revokeAccess(endpoint, other),
      revokeAccess(endpoint, viaGateway),
      revokeAccess(endpoint, viaAlone),
      refusedAfter(mcpUrl, mcp.access, onB),
      refusedAfter(rs.url, other.access),
      refusedAfter(gatewayUrl, viaGateway.access, onB),
      refusedAfter(aloneUrl, viaAlone.access),
    ])
    toB.push(bMs)
    toRs.push(rsMs)
    toGateway.push(gatewayMs)
    toAlone.push(aloneMs)
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
  report('gateway on B (serve)', toGateway)
  report('gateway alone (feed)', toAlone)
  emitJson({ count: COUNT, latencyMs: summary })
} finally {
  front.closeAllConnections()
  front.close()
  await rs.stop()
  await alone?.stop()
  await a?.stop()
  await b?.stop()
  await dropSchema(schema)
  dir.remove()
}
