// End to end (issue 14): `mandate serve` fails closed when its audit store is unavailable
// beyond the configured bound, and not before. With the audit table taken away (SQLite, from
// another process), requests are served while fewer than `audit.maxQueued` events wait (none
// is lost once the table is back), refused with 503 beyond it, and served again once the
// backlog is written. /metrics (separate listener, bearer token) reports it all.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { startServe, tempDir } from './support/mandate-e2e.ts'

const MAX_QUEUED = 10
const METRICS_TOKEN = 'metrics-scrape-token-for-tests'

void describe('mandate serve: audit fail-closed bound and /metrics', () => {
  const dir = tempDir('mandate-e2e-audit-fc-')
  let serve: MandateProcess
  let store: Store
  let metricsUrl: string

  before(async () => {
    const tokenFile = join(dir.path, 'metrics-token')
    writeFileSync(tokenFile, `${METRICS_TOKEN}\n`, { mode: 0o600 })
    const config = join(dir.path, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({
        audit: { maxQueued: MAX_QUEUED, failClosedAfterMs: 600_000 },
        metrics: { enabled: true, port: 0, tokenFile },
      }),
    )
    serve = await startServe(['--data-dir', dir.path, '--config', config])
    const deadline = Date.now() + 60_000
    while (!/"metrics listening"/.test(serve.output()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    metricsUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(serve.output())?.[1] ?? ''
    store = await openStore(
      { kind: 'sqlite', filename: join(dir.path, 'mandate.db') },
      { migrate: false },
    )
  })
  after(async () => {
    await store.close()
    await serve.stop()
    dir.remove()
  })

  /** A request that is audited: an MCP call with a bad token (one `mcp.request_refused`). */
  const audited = async (): Promise<number> => {
    const response = await fetch(serve.mcpUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    })
    await response.body?.cancel()
    return response.status
  }
  const scrape = async (token = METRICS_TOKEN) => {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, text: await response.text() }
  }
  const refused = async () =>
    Number(
      (
        await sql<{
          n: number
        }>`select count(*) as n from audit_events where type = 'mcp.request_refused'`.execute(
          store.db,
        )
      ).rows[0]?.n,
    )

  it('/metrics needs its token (control: with it, 200) and is not on the public origin', async () => {
    assert.equal((await scrape('wrong-token-value')).status, 401)
    const ok = await scrape()
    assert.equal(ok.status, 200)
    assert.match(ok.text, /^mandate_audit_backlog 0$/m)
    const publicOrigin = await fetch(new URL('/metrics', serve.url))
    assert.equal(publicOrigin.status, 404)
    await publicOrigin.body?.cancel()
  })

  it('within the bound requests are served; beyond it 503; served again once stored, nothing lost', async () => {
    assert.equal(await audited(), 401)
    const stored = Date.now() + 60_000
    while ((await refused()) < 1 && Date.now() < stored) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await sql`alter table audit_events rename to audit_events_away`.execute(store.db)
    let putBack = false
    try {
      // Fewer than maxQueued events waiting: served (the refusal of a bad token is a 401).
      for (let i = 0; i < MAX_QUEUED - 1; i++) assert.equal(await audited(), 401)
      // The tenth waiting event reaches the bound: from now on every request is refused.
      assert.equal(await audited(), 401)
      assert.equal(await audited(), 503)
      const landing = await fetch(new URL('/.well-known/oauth-authorization-server', serve.url))
      assert.equal(landing.status, 503)
      assert.match(await landing.text(), /temporarily_unavailable/)
      assert.match(
        (await scrape()).text,
        new RegExp(`^mandate_audit_backlog ${String(MAX_QUEUED)}$`, 'm'),
      )
      await sql`alter table audit_events_away rename to audit_events`.execute(store.db)
      putBack = true
    } finally {
      if (!putBack)
        await sql`alter table audit_events_away rename to audit_events`.execute(store.db)
    }
    const deadline = Date.now() + 60_000
    let status = 503
    while (status === 503 && Date.now() < deadline) {
      status = await audited()
      if (status === 503) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(status, 401)
    // 1 before, 10 while away (all kept), 1 after; the refused 503 requests ran nothing.
    while ((await refused()) < 12 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(await refused(), 12)
    const metrics = (await scrape()).text
    assert.match(
      metrics,
      /^mandate_decisions_total\{type="mcp.request_refused",outcome="denied"\} 12$/m,
    )
    // Refused requests are counted too (one or more POSTs while the backlog drained).
    assert.match(metrics, /^mandate_http_requests_total\{method="POST",status="5xx"\} [1-9]\d*$/m)
  })
})
