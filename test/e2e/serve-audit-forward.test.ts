// End to end (issue 14): `mandate serve` forwards every stored audit event to syslog (RFC 5424
// over TCP with octet counting, or UDP) and to an OTLP/HTTP logs endpoint (JSON), with real
// listeners on 127.0.0.1. Positive: every stored event arrives at each collector with its
// fields and chain hash, and no secret does. Negative: with a collector down, serve keeps
// working, the stored trail is complete and verifies, and the failure is logged and counted.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { StoredAuditEvent } from '@mandate/store'
import { runCli } from '../support/cli.ts'
import { signIn } from './support/audit-session.ts'
import { closedPort, otlpAttribute, otlpLogs, tcpSyslog, udpSyslog } from './support/collectors.ts'
import { addUsers, PASSWORD, startServe, tempDir } from './support/mandate-e2e.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'

const HEADER =
  /^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) mandate (\d+) audit - \uFEFF/

interface Run {
  serve: MandateProcess
  output: string
  stored: StoredAuditEvent[]
  secrets: string[]
  metrics: string
  verified: { code: number | null; text: string }
}

/** What a run waits for before it stops serve: a forwarding outcome in the metrics or the log. */
type Settled = (metrics: string, output: string) => boolean

/** `mandate serve` with `forward` as `audit.forward`: a session, a tool call, then stop. */
async function run(name: string, forward: object, settled: Settled): Promise<Run> {
  const dir = tempDir(`mandate-e2e-forward-${name}-`)
  try {
    const config = join(dir.path, 'mandate.json')
    writeFileSync(
      config,
      JSON.stringify({ audit: { forward }, metrics: { enabled: true, port: 0 } }),
    )
    // One configuration for every command, as an operator has it: the CLI's own events
    // (`user.added`) are stored and forwarded like serve's.
    const args = ['--data-dir', dir.path, '--config', config]
    await addUsers(args, ['alice'])
    const serve = await startServe(args)
    let metrics = ''
    try {
      const { tokens, code } = await signIn(serve.url.origin, serve.mcpUrl, 'alice')
      const call = await fetch(serve.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'list_notes', arguments: {} },
        }),
      })
      assert.equal(call.status, 200, 'serve keeps serving')
      await call.body?.cancel()
      metrics = await scrape(serve, settled)
      await serve.stop()
      const exported = await runCli(['audit', 'export', '--format', 'jsonl', ...args])
      assert.equal(exported.code, 0, exported.stderr)
      const verify = await runCli(['audit', 'verify', ...args])
      return {
        serve,
        output: serve.output(),
        stored: exported.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as StoredAuditEvent),
        secrets: [tokens.access_token, tokens.refresh_token ?? '', code, PASSWORD],
        metrics,
        verified: { code: verify.code, text: verify.stdout + verify.stderr },
      }
    } finally {
      await serve.stop()
    }
  } finally {
    dir.remove()
  }
}

/**
 * The metrics once `settled` holds: forwarding is asynchronous and each target reports when its
 * own send ends, so the test waits for the outcome it asserts (hang guard only).
 */
async function scrape(serve: MandateProcess, settled: Settled): Promise<string> {
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(serve.output())?.[1] ?? ''
  assert.ok(url !== '', 'metrics listening')
  const deadline = Date.now() + 60_000
  for (;;) {
    const text = await (await fetch(url)).text()
    if (settled(text, serve.output()) || Date.now() > deadline) return text
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const OTLP_SENT = /mandate_audit_forwarded_total\{target="otlp",outcome="sent"\}/
const OTLP_FAILED = /mandate_audit_forwarded_total\{target="otlp",outcome="failed"\}/
// A refused TCP connection fails no event yet (they wait in the queue), so it shows in the log.
const SYSLOG_FAILED_LOG = /audit forwarding failed[^\n]*"target":"syslog"/
const inMetrics =
  (counter: RegExp): Settled =>
  (metrics) =>
    counter.test(metrics)

/** The stored record carried in a syslog message's MSG (after the BOM). */
const syslogRecord = (message: string) =>
  JSON.parse(message.slice(message.indexOf('\uFEFF') + 1)) as Record<string, unknown>

/** Waits (hang guard only) until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

void describe('mandate serve: audit forwarding to syslog and OTLP', () => {
  const closers: (() => Promise<void>)[] = []
  after(async () => {
    for (const close of closers) await close()
  })

  it('TCP syslog (octet counting) and OTLP/HTTP JSON both receive every stored event, with its fields, and no secret', async () => {
    const syslog = await tcpSyslog()
    const otlp = await otlpLogs()
    closers.push(
      () => syslog.close(),
      () => otlp.close(),
    )
    const result = await run(
      'up',
      {
        syslog: { host: '127.0.0.1', port: syslog.port, transport: 'tcp' },
        otlp: { url: `http://127.0.0.1:${String(otlp.port)}` },
      },
      inMetrics(OTLP_SENT),
    )
    const { stored } = result
    assert.ok(stored.length >= 5)
    await until(() => syslog.received.length >= stored.length)
    assert.equal(syslog.badFrames, 0)
    assert.equal(syslog.received.length, stored.length)
    const inOtlp = new Set(otlp.received.map((r) => otlpAttribute(r, 'mandate.audit.hash')))
    assert.deepEqual(
      stored.filter((e) => !inOtlp.has(e.hash)).map((e) => `${e.type} ${e.stream}`),
      [],
      'every stored event reached the OTLP collector',
    )
    assert.equal(otlp.received.length, stored.length)
    assert.ok(otlp.paths.every((p) => p === '/v1/logs'))
    assert.ok(otlp.types.every((t) => t.startsWith('application/json')))

    const bySyslog = new Map(syslog.received.map((m) => [syslogRecord(m)['hash'], m]))
    const byOtlp = new Map(otlp.received.map((r) => [otlpAttribute(r, 'mandate.audit.hash'), r]))
    for (const event of stored) {
      const message = bySyslog.get(event.hash)
      assert.ok(message !== undefined, `syslog lacks ${event.type} seq ${String(event.seq)}`)
      const header = HEADER.exec(message)
      assert.ok(header !== null, message.slice(0, 120))
      // PRI = facility 13 (log audit) × 8 + severity (4 warning for refusals, else 6).
      const severity = event.outcome === 'denied' || event.outcome === 'failure' ? 4 : 6
      assert.equal(Number(header[1]), 13 * 8 + severity)
      const carried = syslogRecord(message)
      for (const field of ['type', 'outcome', 'sub', 'client_id', 'stream', 'seq', 'tool']) {
        assert.deepEqual(carried[field], (event as unknown as Record<string, unknown>)[field])
      }
      const record = byOtlp.get(event.hash)
      assert.ok(record !== undefined, `OTLP lacks ${event.type} seq ${String(event.seq)}`)
      assert.equal(record.eventName, event.type)
      assert.equal(otlpAttribute(record, 'mandate.audit.outcome'), event.outcome)
      assert.equal(otlpAttribute(record, 'mandate.audit.sub') ?? null, event.sub)
      assert.equal(otlpAttribute(record, 'mandate.audit.client_id') ?? null, event.client_id)
      assert.equal(otlpAttribute(record, 'mandate.audit.stream'), event.stream)
    }
    const login = stored.find((e) => e.type === 'login.succeeded')
    assert.equal(login?.user_name, 'alice')
    assert.equal(syslogRecord(bySyslog.get(login.hash) ?? '')['user_name'], 'alice')
    const everything = [...syslog.received, ...otlp.raw].join('\n')
    for (const secret of result.secrets.filter((s) => s !== '')) {
      assert.equal(everything.includes(secret), false, 'a secret was forwarded')
    }
    assert.match(result.metrics, OTLP_SENT)
    assert.doesNotMatch(result.output, /audit forwarding failed/)
    assert.equal(result.verified.code, 0, result.verified.text)
  })

  it('UDP syslog receives every stored event while the OTLP collector is down: serve keeps working, the stored trail is complete and verifies, the failure is logged and counted', async () => {
    const syslog = await udpSyslog()
    closers.push(() => syslog.close())
    const down = await closedPort()
    const result = await run(
      'otlp-down',
      {
        syslog: { host: '127.0.0.1', port: syslog.port, transport: 'udp' },
        otlp: { url: `http://127.0.0.1:${String(down)}/v1/logs`, timeoutMs: 500 },
      },
      inMetrics(OTLP_FAILED),
    )
    const types = result.stored.map((e) => e.type)
    for (const type of ['login.succeeded', 'consent.granted', 'token.issued', 'mcp.tool_call']) {
      assert.ok(types.includes(type), `stored trail lacks ${type}`)
    }
    assert.equal(result.verified.code, 0, result.verified.text)
    await until(() => syslog.received.length >= result.stored.length)
    const hashes = new Set(syslog.received.map((m) => syslogRecord(m)['hash']))
    for (const event of result.stored) assert.ok(hashes.has(event.hash))
    assert.match(result.output, /audit forwarding failed[^\n]*"target":"otlp"/)
    assert.match(result.metrics, OTLP_FAILED)
  })

  it('TCP syslog collector down: serve keeps working, the stored trail is complete and verifies, the failure is logged', async () => {
    const down = await closedPort()
    const result = await run(
      'syslog-down',
      { syslog: { host: '127.0.0.1', port: down, transport: 'tcp' } },
      (_, output) => SYSLOG_FAILED_LOG.test(output),
    )
    const types = result.stored.map((e) => e.type)
    for (const type of ['login.succeeded', 'consent.granted', 'token.issued', 'mcp.tool_call']) {
      assert.ok(types.includes(type), `stored trail lacks ${type}`)
    }
    assert.equal(result.verified.code, 0, result.verified.text)
    assert.match(result.output, SYSLOG_FAILED_LOG)
  })
})
