// The audit sink's batched insert (issue 14, bench/audit): a batch is written as multi-row
// statements (SQLite: power-of-two chunks in one transaction; PostgreSQL: one statement), in
// chain order, and a batch that fails anywhere stores none of its rows, then all of them on
// the retry, with the chain intact.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { auditStreamEvents, createStoreAuditSink, verifyAuditChain } from '@mandate/store'
import type { ChainedAuditRecord } from '@mandate/core'
import type { Store, StoreAuditSink } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { testSigner } from './support/audit.ts'

const emit = (sink: StoreAuditSink, count: number): void => {
  for (let i = 1; i <= count; i++) {
    sink.emit({ type: 'mcp.tool_call', outcome: 'allowed', sub: `u${String(i)}`, tool: 't' })
  }
}

for (const backend of backends()) {
  describe(`audit batch insert on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    const { signer, verify } = testSigner()
    const open = (name: string) =>
      createStoreAuditSink(store, {
        instanceId: name,
        signer,
        batchSize: 1000,
        flushIntervalMs: 60_000,
      })
    const rows = async (sink: StoreAuditSink) => auditStreamEvents(store, sink.stream, 0, 10_000)

    before(async () => {
      if (skip === false) store = await backend.open()
    })
    after(async () => {
      if (skip !== false) return
      await store.close()
      await backend.cleanup()
    })

    for (const count of [1, 64, 203, 600]) {
      it(`a batch of ${String(count)} is stored whole, in chain order`, { skip }, async (t) => {
        const sink = open(`batch-${String(count)}`)
        t.after(() => sink.close({ timeoutMs: 0 }))
        emit(sink, count)
        await sink.flush()
        const stored = await rows(sink)
        assert.equal(stored.length, count)
        stored.forEach((event, i) => {
          assert.equal(event.seq, i + 1)
          assert.equal(event.sub, `u${String(i + 1)}`)
        })
        const report = await verifyAuditChain(store, {
          stream: sink.stream,
          verifySignature: verify,
        })
        assert.equal(report.ok, true)
        assert.equal(report.events, count)
      })
    }

    // Each column holds a value of its own, so that two columns swapped would show.
    it(
      'every column is stored as the sink chained it (quotes, escapes, non-ASCII, nulls)',
      {
        skip,
      },
      async (t) => {
        const chained: ChainedAuditRecord[] = []
        const sink = createStoreAuditSink(store, {
          instanceId: 'columns',
          batchSize: 1000,
          flushIntervalMs: 60_000,
          onStored: (records) => chained.push(...records),
        })
        t.after(() => sink.close({ timeoutMs: 0 }))
        const odd = 'q"uo\\te\\\\n \u00e9\u2028\ud83d\ude00 \t{"a":1}'
        sink.emit({
          type: 'mcp.tool_call',
          time: 1_733_000_000_123,
          outcome: 'denied',
          sub: `${odd}s`,
          user_name: 'ü',
          client_id: 'c',
          client_name: `${odd}c`,
          act: { sub: 'gw', act: { sub: odd } },
          tool: 'echo',
          server: 'https://mcp.example/mcp',
          scope_requested: 'a b',
          scope: 'a',
          acr: 'mfa',
          amr: ['pwd', 'otp'],
          ip: '::1',
          user_agent: `${odd}u`,
          request_id: 'r',
          reason: odd,
          count: 3,
        })
        sink.emit({ type: 'mcp.tool_call' })
        await sink.flush()
        const stored = (await rows(sink)).map(({ id: _id, ...row }) => row)
        assert.equal(chained.length, 2)
        assert.deepEqual(
          stored,
          chained.map((record) => ({ ...record })),
        )
        assert.equal(stored[0]?.sub, `${odd}s`)
        assert.equal(stored[1]?.sub, null)
      },
    )

    it(
      'a batch failing in its last rows stores none of them; the retry stores all, chained',
      { skip },
      async (t) => {
        const sink = open('failing')
        t.after(() => sink.close({ timeoutMs: 0 }))
        // A foreign row at seq 202 collides with the batch's 202nd event (a later chunk on SQLite:
        // 128 + 64 + 8 + 2 + 1), so the insert fails after its first rows were sent.
        const blocker = {
          stream: sink.stream,
          seq: 202,
          time: 0,
          type: 'blocker',
          outcome: 'recorded',
          detail: '{}',
          prev_hash: 'x',
          hash: 'x',
        }
        await sql`insert into audit_events (stream, seq, time, type, outcome, detail, prev_hash, hash)
          values (${blocker.stream}, ${blocker.seq}, ${blocker.time}, ${blocker.type},
            ${blocker.outcome}, ${blocker.detail}, ${blocker.prev_hash}, ${blocker.hash})`.execute(
          store.db,
        )
        emit(sink, 203)
        await assert.rejects(
          sink.flush(),
          backend.name === 'sqlite'
            ? { code: 'ERR_SQLITE_ERROR', errcode: 2067 }
            : { code: '23505' },
        )
        assert.deepEqual(
          (await rows(sink)).map((event) => event.type),
          ['blocker'],
        )
        assert.equal(sink.backlog(), 203)
        await sql`delete from audit_events where stream = ${sink.stream}`.execute(store.db)
        await sink.flush()
        const stored = await rows(sink)
        assert.equal(stored.length, 203)
        assert.deepEqual(
          stored.map((event) => event.seq),
          Array.from({ length: 203 }, (_, i) => i + 1),
        )
        const report = await verifyAuditChain(store, {
          stream: sink.stream,
          verifySignature: verify,
        })
        assert.equal(report.ok, true)
        assert.equal(report.events, 203)
      },
    )
  })
}
