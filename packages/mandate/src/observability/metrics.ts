import { timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpBindings } from '@hono/node-server'
import { createMiddleware } from 'hono/factory'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { AuditInput } from '@mandate/core'
import type { MandateConfig } from '../config/schema.ts'

/** Counters and gauges of one `mandate serve` process (docs/audit.md, "Metrics"). */
export interface Metrics {
  readonly registry: Registry
  /** Counts what an audit event says happened (decisions, tokens, refreshes, links, vault). */
  observe(event: AuditInput): void
  /** Counts HTTP requests by method and status class. */
  requests: ReturnType<typeof createMiddleware<{ Bindings: HttpBindings }>>
  /** Counts reads of third-party credentials by outcome. */
  vaultRead(outcome: 'ok' | 'error'): void
  /** Counts events forwarded to syslog/OTLP by target and outcome. */
  forwarded(target: string, outcome: string, count: number): void
  /** Observes how long a revocation took from its publication until a consumer applied it. */
  revocationApplied(consumer: string, lagMs: number): void
  /** Reads the audit backlog when scraped. */
  watchAudit(source: { backlog(): number; dropped(): number }): void
}

/** The Prometheus registry and counters of one process; `serveMetrics` exposes them. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'mandate_' })
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] })
  const requests = counter('mandate_http_requests_total', 'HTTP requests served', [
    'method',
    'status',
  ])
  const decisions = counter('mandate_decisions_total', 'audited decisions by type and outcome', [
    'type',
    'outcome',
  ])
  const issued = counter('mandate_tokens_issued_total', 'tokens issued by grant type', [
    'grant_type',
  ])
  const refreshes = counter('mandate_token_refreshes_total', 'refresh tokens redeemed')
  const toolCalls = counter('mandate_tool_calls_total', 'MCP tool calls by outcome', ['outcome'])
  const vault = counter(
    'mandate_vault_events_total',
    'vault credential events (refreshes, reauth)',
    ['type'],
  )
  const links = counter('mandate_link_completions_total', 'third-party accounts linked')
  const reads = counter('mandate_vault_reads_total', 'credential reads for tools', ['outcome'])
  const forwarded = counter('mandate_audit_forwarded_total', 'audit events forwarded', [
    'target',
    'outcome',
  ])
  const revocationLag = new Histogram({
    name: 'mandate_revocation_lag_seconds',
    help: 'time from a revocation being published until a consumer here applied it',
    labelNames: ['consumer'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const watchAudit = auditGauges(registry)
  return {
    registry,
    observe(event) {
      const outcome = typeof event['outcome'] === 'string' ? event['outcome'] : 'recorded'
      decisions.inc({ type: event.type, outcome })
      if (event.type === 'token.issued') issued.inc({ grant_type: String(event['grant_type']) })
      else if (event.type === 'token.refreshed') refreshes.inc()
      else if (event.type === 'mcp.tool_call') toolCalls.inc({ outcome })
      else if (event.type === 'vault.credential.linked') links.inc()
      if (event.type.startsWith('vault.credential.')) vault.inc({ type: event.type.slice(17) })
    },
    requests: createMiddleware<{ Bindings: HttpBindings }>(async (c, next) => {
      await next()
      // Routes handed to oidc-provider answer on the raw Node response (as in the access log).
      const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing
      const status = outgoing?.headersSent === true ? outgoing.statusCode : c.res.status
      requests.inc({ method: c.req.method, status: `${String(status).charAt(0)}xx` })
    }),
    vaultRead(outcome) {
      reads.inc({ outcome })
    },
    forwarded(target, outcome, count) {
      forwarded.inc({ target, outcome }, count)
    },
    revocationApplied(consumer, lagMs) {
      // Clocks of other instances may run ahead: a negative lag counts as none.
      revocationLag.observe({ consumer }, Math.max(0, lagMs) / 1000)
    },
    watchAudit,
  }
}

/** The audit backlog gauges, read from the sink when scraped; returns the sink's setter. */
function auditGauges(
  registry: Registry,
): (source: { backlog(): number; dropped(): number }) => void {
  let audit: { backlog(): number; dropped(): number } | undefined
  new Gauge({
    name: 'mandate_audit_backlog',
    help: 'audit events waiting in memory to be stored',
    registers: [registry],
    collect() {
      this.set(audit?.backlog() ?? 0)
    },
  })
  new Gauge({
    name: 'mandate_audit_dropped_total',
    help: 'audit events dropped beyond the hard limit since start',
    registers: [registry],
    collect() {
      this.set(audit?.dropped() ?? 0)
    },
  })
  return (source) => {
    audit = source
  }
}

/**
 * Serves `GET /metrics` (Prometheus text format) on its own listener, so that it is never
 * exposed on the public origin; a bearer token, when given, is required too.
 */
export async function serveMetrics(
  metrics: Metrics,
  options: { host: string; port: number; token?: string | undefined },
): Promise<{ url: URL; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404).end()
    } else if (!authorized(req.headers.authorization, options.token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end()
    } else {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      )
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: new URL(`http://${options.host}:${String(port)}/metrics`),
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve()
        })
      }),
  }
}

function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true
  const given = Buffer.from(header ?? '')
  const expected = Buffer.from(`Bearer ${token}`)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** The metrics listener's options; the bearer token is read from its file once, at start. */
export function metricsOptions(config: MandateConfig): {
  host: string
  port: number
  token: string | undefined
} {
  const { host, port, tokenFile } = config.metrics
  const token =
    tokenFile === undefined ? undefined : readFileSync(tokenFile, 'utf8').split('\n')[0]?.trim()
  return { host, port, token: token === '' ? undefined : token }
}
