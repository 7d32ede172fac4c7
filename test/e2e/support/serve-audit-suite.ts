// The audit end-to-end suite for one backend (test/e2e/serve-audit-{sqlite,postgres}.test.ts, one
// file per backend so each runs beside other files). End to end (issue 14): a spawned `mandate serve` records a scripted session as the expected
// sequence of stored, attributed events; `mandate audit verify` passes; editing, deleting or
// reordering one row in the database (SQLite and PostgreSQL) makes it fail at that row, and
// putting the row back makes it pass again (positive control). No secret is stored or printed.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { openStore } from '@mandate/store'
import type { OpenStoreOptions, Store, StoredAuditEvent } from '@mandate/store'
import { runCli } from '../../support/cli.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../support/postgres.ts'
import { CLIENT_NAME, scriptedSession } from './audit-session.ts'
import type { ScriptedSession } from './audit-session.ts'
import { addUsers, startServe, tempDir } from './mandate-e2e.ts'
import type { MandateProcess } from './mandate-e2e.ts'

// The OpenTelemetry SDK with an in-memory exporter, loaded into the spawned server.
const OTEL_SETUP = fileURLToPath(new URL('./otel-spans.ts', import.meta.url))

interface FinishedSpan {
  name: string
  attributes: Record<string, unknown>
}

/** /metrics once this instance's MCP server applied a revocation (hang guard only). */
async function revocationLagMetrics(serve: MandateProcess): Promise<string> {
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(serve.output())?.[1] ?? ''
  assert.ok(url !== '', 'metrics listening')
  const deadline = Date.now() + 60_000
  for (;;) {
    const text = await (await fetch(url)).text()
    const count = /mandate_revocation_lag_seconds_count\{consumer="mcp"\} (\d+)/.exec(text)?.[1]
    if (Number(count ?? 0) >= 1 || Date.now() > deadline) return text
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Registers the suite for `backend`. */
export async function auditSuite(backend: 'sqlite' | 'postgres'): Promise<void> {
  const pgSkip = backend === 'postgres' ? await postgresSkipReason() : false
  void describe(`mandate serve audit trail on ${backend}`, { skip: pgSkip }, () => {
    const dir = tempDir('mandate-e2e-audit-')
    const schema = freshSchemaName()
    const args =
      backend === 'sqlite'
        ? ['--data-dir', dir.path]
        : ['--data-dir', dir.path, '--database', POSTGRES_TEST_URL, '--database-schema', schema]
    const storeOptions: OpenStoreOptions =
      backend === 'sqlite'
        ? { kind: 'sqlite', filename: join(dir.path, 'mandate.db') }
        : { kind: 'postgres', url: POSTGRES_TEST_URL, schema }
    let session: ScriptedSession
    let output = ''
    let mcpUrl = ''
    let store: Store
    const audit = (...rest: string[]) => runCli(['audit', ...rest, ...args])
    const verify = async () => {
      const result = await audit('verify')
      return { code: result.code, text: result.stdout + result.stderr }
    }

    let metrics = ''
    let spans: FinishedSpan[] = []

    before(async () => {
      await addUsers(args, ['alice'])
      const config = join(dir.path, 'mandate.json')
      writeFileSync(config, JSON.stringify({ metrics: { enabled: true, port: 0 } }))
      const spansFile = join(dir.path, 'spans.json')
      const serve = await startServe([...args, '--config', config], {
        env: { NODE_OPTIONS: `--import=${OTEL_SETUP}`, MANDATE_TEST_SPANS_FILE: spansFile },
      })
      try {
        mcpUrl = serve.mcpUrl
        session = await scriptedSession(serve.url.origin, serve.mcpUrl, 'alice')
        metrics = await revocationLagMetrics(serve)
      } finally {
        // SIGTERM: the trail flushes and writes a final checkpoint.
        await serve.stop()
        output = serve.output()
      }
      spans = JSON.parse(readFileSync(spansFile, 'utf8')) as FinishedSpan[]
      store = await openStore(storeOptions, { migrate: false })
    })
    after(async () => {
      await store.close()
      if (backend === 'postgres') await dropSchema(schema)
      dir.remove()
    })

    const events = async (): Promise<StoredAuditEvent[]> => {
      const listed = await audit('export', '--format', 'jsonl')
      assert.equal(listed.code, 0, listed.stderr)
      return listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as StoredAuditEvent)
    }

    it('the scripted session is the expected sequence of events, attributed', async () => {
      const mine = (await events()).filter(
        (e) => e.client_id === session.clientId || e.user_name === 'alice',
      )
      assert.deepEqual(
        mine.map((e) => `${e.type}:${e.outcome}${e.tool === null ? '' : `:${e.tool}`}`),
        [
          'client.registered:success',
          'login.succeeded:success',
          'consent.granted:allowed',
          'token.issued:success',
          'mcp.tool_call:allowed:list_notes',
          'mcp.tool_call:denied:create_note',
          // Step-up: refused without a second factor, TOTP enrolled, signed in with it.
          'mcp.tool_call:denied:delete_all_notes',
          'mfa.enrolled:success',
          'login.succeeded:success',
          'consent.granted:allowed',
          'token.issued:success',
          'mcp.tool_call:allowed:delete_all_notes',
          // Linking: the tool asks, the person links the Demo Calendar, the retry reads it.
          'mcp.tool_call:allowed:calendar_today',
          'vault.credential.linked:success',
          'mcp.tool_call:allowed:calendar_today',
          'token.refreshed:success',
          'token.revoked:success',
        ],
      )
      const needsMfa = mine.find((e) => e.tool === 'delete_all_notes' && e.outcome === 'denied')
      assert.equal(needsMfa?.acr, 'pwd')
      const [, mfaLogin] = mine.filter((e) => e.type === 'login.succeeded')
      assert.deepEqual(
        [mfaLogin?.user_name, mfaLogin?.acr, mfaLogin?.amr],
        ['alice', 'mfa', 'pwd otp'],
      )
      assert.equal(mine.find((e) => e.type === 'mfa.enrolled')?.user_name, 'alice')
      const [, moreConsent] = mine.filter((e) => e.type === 'consent.granted')
      assert.equal(moreConsent?.scope_granted, 'openid notes:write')
      const stepped = mine.find((e) => e.tool === 'delete_all_notes' && e.outcome === 'allowed')
      assert.deepEqual(
        [stepped?.client_id, stepped?.acr, stepped?.amr, stepped?.scope_granted],
        [session.clientId, 'mfa', 'pwd otp', 'notes:read notes:write'],
      )
      const linked = mine.find((e) => e.type === 'vault.credential.linked')
      assert.equal(linked?.user_name, 'alice')
      assert.match(JSON.stringify(linked.detail), /demo-calendar/)
      for (const read of mine.filter((e) => e.tool === 'calendar_today')) {
        assert.deepEqual([read.user_name, read.client_id], ['alice', session.clientId])
      }
      const consent = mine.find((e) => e.type === 'consent.granted')
      assert.deepEqual(
        [consent?.scope_requested, consent?.scope_granted],
        ['notes:read', 'notes:read'],
      )
      const login = mine.find((e) => e.type === 'login.succeeded')
      assert.deepEqual([login?.user_name, login?.amr, login?.ip], ['alice', 'pwd', '127.0.0.1'])
      const [call, deniedCall] = mine.filter((e) => e.type === 'mcp.tool_call')
      assert.ok(call !== undefined && deniedCall !== undefined)
      assert.equal(call.user_name, 'alice')
      assert.equal(call.client_id, session.clientId)
      assert.equal(call.client_name, CLIENT_NAME)
      assert.equal(call.server, mcpUrl)
      assert.equal(call.scope_granted, 'notes:read')
      assert.equal(call.ip, '127.0.0.1')
      assert.equal(call.user_agent, 'audit-e2e/1.0')
      assert.match(call.request_id ?? '', /^[\w-]{8,}$/)
      assert.ok(call.instance_id !== null && call.instance_id !== '')
      assert.match(JSON.stringify(deniedCall.detail), /insufficient_scope: notes:write/)
      // The bad token's request is refused before any tool ran, and recorded.
      const refused = (await events()).filter((e) => e.type === 'mcp.request_refused')
      assert.equal(refused.length, 1)
      assert.match(JSON.stringify(refused[0]?.detail), /invalid_token/)
    })

    it('the revocation is counted in the revocation-lag histogram of this instance', () => {
      assert.match(metrics, /# TYPE mandate_revocation_lag_seconds histogram/)
      const count = /mandate_revocation_lag_seconds_count\{consumer="mcp"\} (\d+)/.exec(metrics)
      assert.ok(Number(count?.[1] ?? 0) >= 1, 'a revocation applied by /mcp is observed')
    })

    it('provider calls are traced (the Demo Calendar code exchange), with no secret attribute', () => {
      for (const name of ['oauth.token', 'mcp.request', 'vault.link', 'vault.read']) {
        assert.ok(
          spans.some((s) => s.name === name),
          `no ${name} span`,
        )
      }
      const calls = spans.filter((s) => s.name === 'provider.call')
      const exchange = calls.find((s) => s.attributes['mandate.provider.operation'] === 'token')
      assert.ok(exchange !== undefined, `no code exchange span in ${JSON.stringify(calls)}`)
      assert.deepEqual(
        [
          exchange.attributes['mandate.provider'],
          exchange.attributes['http.request.method'],
          exchange.attributes['http.response.status_code'],
          exchange.attributes['server.address'],
        ],
        ['demo-calendar', 'POST', 200, '127.0.0.1'],
      )
      const allowed = new Set([
        'mandate.provider',
        'mandate.provider.operation',
        'http.request.method',
        'http.response.status_code',
        'server.address',
      ])
      for (const call of calls) {
        for (const key of Object.keys(call.attributes)) assert.ok(allowed.has(key), key)
      }
      const text = JSON.stringify(spans)
      for (const secret of session.secrets) {
        assert.equal(text.includes(secret), false, 'a secret reached a span')
      }
    })

    it('no token, code or password in the audit store or the server output (scan)', async () => {
      const everything = JSON.stringify(await events())
      assert.ok(session.secrets.length >= 5)
      for (const secret of session.secrets) {
        assert.equal(everything.includes(secret), false, 'a secret reached the audit store')
        assert.equal(output.includes(secret), false, 'a secret reached the output')
      }
    })

    it('verify passes untouched (control), fails at an edited row, passes once it is put back', async () => {
      assert.deepEqual(await verify().then((r) => r.code), 0)
      const row = (await events()).find((e) => e.type === 'mcp.tool_call' && e.outcome === 'denied')
      assert.ok(row !== undefined)
      await store.db
        .updateTable('audit_events')
        .set({ outcome: 'allowed' })
        .where('id', '=', row.id)
        .execute()
      const broken = await verify()
      assert.equal(broken.code, 1)
      assert.match(broken.text, new RegExp(`first bad event id=${String(row.id)} .*changed`))
      await store.db
        .updateTable('audit_events')
        .set({ outcome: 'denied' })
        .where('id', '=', row.id)
        .execute()
      assert.equal((await verify()).code, 0)
    })

    it('verify fails after a deleted row (at the row after the gap), passes once it is back', async () => {
      const all = await events()
      const index = all.findIndex((e) => e.type === 'token.issued')
      const [gone, next] = [all[index], all[index + 1]]
      assert.ok(gone !== undefined && next !== undefined && next.stream === gone.stream)
      const original = await store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('id', '=', gone.id)
        .executeTakeFirstOrThrow()
      await store.db.deleteFrom('audit_events').where('id', '=', gone.id).execute()
      const broken = await verify()
      assert.equal(broken.code, 1)
      assert.match(broken.text, new RegExp(`first bad event id=${String(next.id)} .*missing`))
      await store.db.insertInto('audit_events').values(original).execute()
      assert.equal((await verify()).code, 0)
    })

    it('verify fails after two rows are reordered (at the first), passes once restored', async () => {
      const all = await events()
      const index = all.findIndex((e) => e.type === 'consent.granted')
      const [a, b] = [all[index], all[index + 1]]
      assert.ok(a !== undefined && b !== undefined && a.stream === b.stream)
      const swap = async (x: StoredAuditEvent, y: StoredAuditEvent) => {
        for (const [id, seq] of [
          [x.id, -1],
          [y.id, x.seq],
          [x.id, y.seq],
        ] as const) {
          await store.db.updateTable('audit_events').set({ seq }).where('id', '=', id).execute()
        }
      }
      await swap(a, b)
      const broken = await verify()
      assert.equal(broken.code, 1)
      assert.match(broken.text, new RegExp(`first bad event id=${String(b.id)} .*out_of_order`))
      await swap({ ...a, seq: b.seq }, { ...b, seq: a.seq })
      assert.equal((await verify()).code, 0)
    })

    it('list filters by user, tool and outcome; export writes CSV', async () => {
      const listed = await audit(
        'list',
        '--json',
        '--user',
        'alice',
        '--tool',
        'create_note',
        '--outcome',
        'denied',
      )
      const rows = listed.stdout.trim().split('\n')
      assert.equal(rows.length, 1)
      assert.match(rows[0] ?? '', /"tool":"create_note"/)
      const csv = await audit('export', '--format', 'csv', '--type', 'token.')
      const lines = csv.stdout.trim().split('\n')
      assert.match(lines[0] ?? '', /^id,stream,seq,time,type,outcome,sub,/)
      // token.issued (sign-in, step-up), token.refreshed, token.revoked, and the header.
      assert.equal(lines.length, 5)
      const tail = await audit('tail', '--limit', '3')
      assert.equal(tail.stdout.trim().split('\n').length, 3)
      assert.match(tail.stdout, /token\.revoked/)
      const key = await audit('public-key')
      assert.match(key.stdout, /^-----BEGIN PUBLIC KEY-----\n/)
      // Retention: nothing is a day old yet; the chain still verifies after a prune.
      const pruned = await audit('prune', '--older-than-days', '1')
      assert.match(pruned.stdout, /^pruned 0 events/)
      assert.equal((await verify()).code, 0)
    })
  })
}
