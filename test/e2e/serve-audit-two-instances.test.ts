// End to end (issue 14): two `mandate serve` processes on one PostgreSQL schema answer 10,000
// MCP tool calls at once (5,000 each, sent together); every call is one stored event, each
// process writes its own chain, the streams interleave, and `mandate audit verify` passes.
import assert from 'node:assert/strict'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import { runCli } from '../support/cli.ts'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../support/postgres.ts'
import { signIn } from './support/audit-session.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'

const skip = await postgresSkipReason()
const PER_INSTANCE = 5000
const CONCURRENCY = 16

/** Forwards everything to `target()` (the public origin both instances answer for). */
function frontProxy(target: () => URL) {
  return createServer((req, res) => {
    const upstream = request(
      {
        host: target().hostname,
        port: target().port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
}

/** `count` tools/call POSTs to one instance, `CONCURRENCY` at a time; resolves with statuses. */
async function calls(
  instance: URL,
  host: string,
  token: string,
  count: number,
): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const statuses = new Map<number, number>()
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'list_notes', arguments: {} },
  })
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: instance.hostname,
          port: instance.port,
          method: 'POST',
          path: '/mcp',
          headers: {
            host,
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          res.resume()
          res.on('end', () => {
            resolve(res.statusCode ?? 0)
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  let sent = 0
  const worker = async () => {
    while (sent < count) {
      sent++
      const status = await one()
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  agent.destroy()
  return statuses
}

void describe(
  'two mandate serve processes write the audit trail at once (PostgreSQL)',
  { skip },
  () => {
    const dir = tempDir('mandate-e2e-audit-two-')
    const schema = freshSchemaName()
    const shared = [
      '--data-dir',
      dir.path,
      '--database',
      POSTGRES_TEST_URL,
      '--database-schema',
      schema,
    ]
    let a: MandateProcess
    let b: MandateProcess
    let store: Store
    const front = frontProxy(() => a.url)
    let publicUrl = ''

    before(async () => {
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
      publicUrl = `http://127.0.0.1:${String((front.address() as AddressInfo).port)}`
      await addUsers(shared, ['alice'])
      // This test is about the chain under two writers, not the fail-closed bound (that is
      // serve-audit-fail-closed) nor token expiry: on a loaded machine a write may lag past the
      // default 5 s, and the 10,000 calls may outlast the default 300 s access token.
      const config = join(dir.path, 'mandate.json')
      writeFileSync(
        config,
        JSON.stringify({
          audit: { failClosedAfterMs: 600_000 },
          authorizationServer: { ttl: { accessTokenSeconds: 86_400 } },
        }),
      )
      const serveArgs = [...shared, '--config', config, '--public-url', publicUrl]
      a = await startServe(serveArgs)
      b = await startServe(serveArgs)
      store = await openStore(
        { kind: 'postgres', url: POSTGRES_TEST_URL, schema },
        { migrate: false },
      )
    })
    after(async () => {
      front.closeAllConnections()
      await new Promise((resolve) => front.close(resolve))
      await a.stop()
      await b.stop()
      await store.close()
      await dropSchema(schema)
      dir.remove()
    })

    it('10,000 tool calls on two instances: all stored, interleaved, verify passes', async () => {
      const token = await obtainToken()
      const host = new URL(publicUrl).host
      const [atA, atB] = await Promise.all([
        calls(a.url, host, token, PER_INSTANCE),
        calls(b.url, host, token, PER_INSTANCE),
      ])
      assert.deepEqual([...atA], [[200, PER_INSTANCE]])
      assert.deepEqual([...atB], [[200, PER_INSTANCE]])
      // Stopping flushes each instance's queue and writes its final checkpoint.
      await Promise.all([a.stop(), b.stop()])
      const rows = await store.db
        .selectFrom('audit_events')
        .select([
          'stream',
          (eb) => eb.fn.countAll<number>().as('n'),
          (eb) => eb.fn.min<number>('id').as('lo'),
          (eb) => eb.fn.max<number>('id').as('hi'),
        ])
        .where('type', '=', 'mcp.tool_call')
        .where('tool', '=', 'list_notes')
        .groupBy('stream')
        .execute()
      assert.equal(rows.length, 2)
      assert.deepEqual(
        rows.map((r) => r.n),
        [PER_INSTANCE, PER_INSTANCE],
      )
      const [x, y] = rows
      assert.ok(
        x !== undefined && y !== undefined && x.lo < y.hi && y.lo < x.hi,
        'the writes overlapped',
      )
      const verified = await runCli(['audit', 'verify', ...shared])
      assert.equal(verified.code, 0, verified.stdout + verified.stderr)
      assert.match(verified.stdout, /^audit chain verified: \d+ events in [2-9] streams/m)
    })

    /** Sign-in and consent through the public origin (A): an access token for /mcp. */
    async function obtainToken(): Promise<string> {
      const { tokens } = await signIn(publicUrl, `${publicUrl}/mcp`, 'alice')
      return tokens.access_token
    }
  },
)
