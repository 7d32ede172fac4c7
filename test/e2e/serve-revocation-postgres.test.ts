// End to end (issue 12): two `mandate serve` processes on one PostgreSQL schema behind one public
// origin, plus a resource server in its own process that follows the HTTP revocation feed of
// instance B. Revocations made on A must be refused by B (NOTIFY, and the revocation log after a
// reconnection) and by the separate server (B's feed) — also when the LISTEN connections are
// terminated (`pg_terminate_backend`) in the middle of a run of revocations.
//
// The log is read only at start and after a reconnection here (`revocation.pollMs` far beyond
// the test), and B reaches PostgreSQL through a gate that refuses new connections while its
// LISTEN connection is down: the revocations made meanwhile reach B only through the
// resynchronisation after the reconnection (`onResubscribe`), never through NOTIFY or a timed
// read. Without that resynchronisation B accepts them (checked by removing it).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../support/postgres.ts'
import type { MandateProcess } from './support/mandate-e2e.ts'
import { addUsers, startServe, tempDir } from './support/mandate-e2e.ts'
import type { Endpoint, FeedResourceServer, Session } from './support/revocation-e2e.ts'
import {
  assertRefused,
  callMcp,
  discover,
  feedConfig,
  frontProxy,
  revokeAccess,
  signIn,
  startFeedResourceServer,
  untilAccepted,
  untilAudited,
  untilRefused,
} from './support/revocation-e2e.ts'

const skip = await postgresSkipReason()
const VICTIMS = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6']

void describe(
  'revocation across two mandate serve instances on PostgreSQL and a feed reader',
  { skip },
  () => {
    const dir = tempDir('mandate-e2e-pg-revocation-')
    const schema = freshSchemaName()
    let a: MandateProcess
    let b: MandateProcess
    let rs: FeedResourceServer
    let front: ReturnType<typeof frontProxy>
    let gate: ConnectionGate
    let endpoint: Endpoint
    let mcpUrl: string

    before(async () => {
      front = frontProxy(() => ({ a: a.url, b: b.url }))
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
      const publicUrl = `http://127.0.0.1:${String((front.address() as AddressInfo).port)}`
      mcpUrl = `${publicUrl}/mcp`
      rs = await startFeedResourceServer()
      gate = await connectionGate(new URL(POSTGRES_TEST_URL))
      const config = join(dir.path, 'mandate.json')
      writeFileSync(
        config,
        JSON.stringify({
          authorizationServer: feedConfig(rs.url),
          // No timed read of the revocation log during the test: only start and resync.
          revocation: { pollMs: 3_000_000, staleAfterMs: 6_000_000 },
        }),
      )
      const shared = [
        '--data-dir',
        dir.path,
        '--database',
        POSTGRES_TEST_URL,
        '--database-schema',
        schema,
        '--config',
        config,
        '--public-url',
        publicUrl,
      ]
      await addUsers(shared, [...VICTIMS, 'bob'])
      a = await startServe(shared)
      const gated = new URL(POSTGRES_TEST_URL)
      gated.port = String(gate.port)
      b = await startServe(shared.map((arg) => (arg === POSTGRES_TEST_URL ? gated.href : arg)))
      endpoint = await discover(publicUrl)
      await rs.configure({ issuer: publicUrl, staleAfterMs: 10_000, waitSeconds: 4 })
    })
    after(async () => {
      front.closeAllConnections()
      await new Promise((resolve) => front.close(resolve))
      await rs.stop()
      await a.stop()
      await b.stop()
      await gate.close()
      await dropSchema(schema)
      dir.remove()
    })

    /** POST /mcp on B (through the front: the issuer and Host stay the public ones). */
    const callB = (token: string) => callMcp(mcpUrl, token, { 'x-to': 'b' })
    const untilRefusedOnB = async (token: string) => {
      const deadline = Date.now() + 120_000
      for (;;) {
        const answer = await callB(token)
        if (answer.status !== 200 || Date.now() > deadline) return answer
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }

    it('revoked on A: B and the separate server refuse, also across pg_terminate_backend of the LISTEN connections', async () => {
      const sessions = new Map<string, { mcp: Session; rs: Session }>()
      for (const name of [...VICTIMS, 'bob']) {
        sessions.set(name, {
          mcp: await signIn(endpoint, name, mcpUrl),
          rs: await signIn(endpoint, name, rs.url),
        })
      }
      const bob = sessions.get('bob')
      assert.ok(bob)
      // Positive controls: every token works on B and on the separate server before.
      for (const session of sessions.values()) {
        assert.equal((await callB(session.mcp.access)).status, 200)
        assert.equal((await untilAccepted(rs.url, session.rs.access)).status, 200)
      }
      const restoredBefore = count(b, 'notification connection restored')
      const lostBefore = count(b, 'notification connection lost')
      let index = 0
      for (const name of VICTIMS) {
        const session = sessions.get(name)
        assert.ok(session)
        await revokeAccess(endpoint, session.mcp)
        await revokeAccess(endpoint, session.rs)
        // Halfway: every LISTEN connection of this schema is killed while revocations go on,
        // and B cannot reconnect until they are done (its other connections stay up).
        if (++index === 2) {
          gate.refuseNew = true
          assert.ok((await terminateListeners(schema)) >= 2)
          await until(() => count(b, 'notification connection lost') > lostBefore, 'B lost LISTEN')
        }
      }
      // B reconnects and resynchronises from the revocation log.
      gate.refuseNew = false
      await until(
        () => count(b, 'notification connection restored') > restoredBefore,
        'B reconnected',
      )
      for (const name of VICTIMS) {
        const session = sessions.get(name)
        assert.ok(session)
        // After the resynchronisation not one revoked token is accepted, on the first try.
        assertRefused(await callB(session.mcp.access))
        assertRefused(await untilRefusedOnB(session.mcp.access))
        assertRefused(await untilRefused(rs.url, session.rs.access))
      }
      // Why the separate server refused them is in its audit trail, not on the wire.
      await untilAudited(rs, 'invalid_token: token revoked', VICTIMS.length)
      assert.equal((await callB(bob.mcp.access)).status, 200)
      assert.equal((await callMcp(rs.url, bob.rs.access)).status, 200)
    })
  },
)

/** Terminates the LISTEN connections of `schema`'s channel; returns how many. */
async function terminateListeners(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL })
  await client.connect()
  try {
    const result = await client.query<{ pid: number }>(
      `select pg_terminate_backend(pid), pid from pg_stat_activity
        where query ilike 'listen %' and query like $1 and pid <> pg_backend_pid()`,
      [`%mandate:${schema}%`],
    )
    return result.rowCount ?? 0
  } finally {
    await client.end()
  }
}

/** How often `text` appears in the process's output. */
function count(process: MandateProcess, text: string): number {
  return process.output().split(text).length - 1
}

/** Waits for `condition` (an event in a process's output); the timeout only guards a hang. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

interface ConnectionGate {
  port: number
  /** While true, new connections are closed at once; open ones are untouched. */
  refuseNew: boolean
  close(): Promise<void>
}

/** A TCP relay to PostgreSQL that can refuse new connections (B's reconnection attempts). */
async function connectionGate(target: URL): Promise<ConnectionGate> {
  const sockets = new Set<Socket>()
  const gate = { port: 0, refuseNew: false, close: () => Promise.resolve() }
  const server: Server = createServer((client) => {
    if (gate.refuseNew) {
      client.destroy()
      return
    }
    const upstream = connect(Number(target.port === '' ? '5432' : target.port), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => socket.destroy())
      socket.on('close', () => {
        sockets.delete(socket)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  gate.port = (server.address() as AddressInfo).port
  gate.close = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
  return gate
}
