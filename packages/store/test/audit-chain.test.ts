// Tamper evidence (issue 14): the verifier names the first changed, deleted, reordered or
// inserted event of a stream, on both backends; an untouched chain verifies (positive control).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { createHash } from 'node:crypto'
import { AUDIT_RECORD_FIELDS, auditEventHash } from '@mandate/core'
import type { ChainedAuditRecord } from '@mandate/core'
import { auditStreamEvents, pruneAuditEvents, verifyAuditChain } from '@mandate/store'
import type { Store } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { testSigner, writeStream } from './support/audit.ts'

it('the chain hashes ["v1", prev_hash, stream, seq, ...fields in catalogue order] (format v1)', () => {
  const record: Record<string, unknown> = { stream: 'i/boot', seq: 7, prev_hash: 'p'.repeat(64) }
  AUDIT_RECORD_FIELDS.forEach((field, i) => {
    record[field] = field === 'time' ? 1_733_000_000_000 + i : `${field}-${String(i)}`
  })
  record['act'] = null
  const chained = record as unknown as ChainedAuditRecord
  const values = ['v1', 'p'.repeat(64), 'i/boot', 7, ...AUDIT_RECORD_FIELDS.map((f) => record[f])]
  const expected = createHash('sha256').update(JSON.stringify(values)).digest('hex')
  assert.equal(auditEventHash(chained), expected)
  // Pinned: the value the generic form of chain format v1 gave (stored trails depend on it).
  assert.equal(expected, '0abce34c22779b4ec8b831648c63e3179ea2953ca42e8dfd85e596a595b15a4b')
  // Negative control: another order of the same values hashes differently.
  const swapped = { ...chained, sub: chained.user_name, user_name: chained.sub }
  assert.notEqual(auditEventHash(swapped), expected)
})

for (const backend of backends()) {
  describe(`audit chain on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    const { signer, verify } = testSigner()
    const check = (stream: string) => verifyAuditChain(store, { stream, verifySignature: verify })
    const rowId = async (stream: string, seq: number): Promise<number> => {
      const row = (await auditStreamEvents(store, stream, seq - 1, 1))[0]
      assert.ok(row !== undefined && row.seq === seq)
      return row.id
    }

    before(async () => {
      if (skip === false) store = await backend.open()
    })
    after(async () => {
      if (skip !== false) return
      await store.close()
      await backend.cleanup()
    })

    it(
      'positive control: an untouched chain verifies, with signed checkpoints',
      { skip },
      async () => {
        const stream = await writeStream(store, signer, 25, { checkpointEvery: 10, batchSize: 5 })
        const result = await check(stream)
        assert.deepEqual(
          { ok: result.ok, events: result.events, checkpoints: result.checkpoints },
          { ok: true, events: 25, checkpoints: 3 },
        )
      },
    )

    it('a changed event fails at that event', { skip }, async () => {
      const stream = await writeStream(store, signer, 10)
      assert.equal((await check(stream)).ok, true)
      const id = await rowId(stream, 4)
      await store.db
        .updateTable('audit_events')
        .set({ outcome: 'allowed', sub: 'mallory' })
        .where('id', '=', id)
        .execute()
      const { ok, failure } = await check(stream)
      assert.equal(ok, false)
      assert.deepEqual([failure?.seq, failure?.id, failure?.problem], [4, id, 'changed'])
    })

    it('a deleted event fails at the event after the gap', { skip }, async () => {
      const stream = await writeStream(store, signer, 10)
      assert.equal((await check(stream)).ok, true)
      await store.db
        .deleteFrom('audit_events')
        .where('id', '=', await rowId(stream, 4))
        .execute()
      const next = await rowId(stream, 5)
      const { failure } = await check(stream)
      assert.deepEqual([failure?.seq, failure?.id, failure?.problem], [5, next, 'missing'])
    })

    it('two reordered events fail at the first of them', { skip }, async () => {
      const stream = await writeStream(store, signer, 10)
      assert.equal((await check(stream)).ok, true)
      const [four, five] = [await rowId(stream, 4), await rowId(stream, 5)]
      for (const [id, seq] of [
        [four, -1],
        [five, 4],
        [four, 5],
      ] as const) {
        await store.db.updateTable('audit_events').set({ seq }).where('id', '=', id).execute()
      }
      const { failure } = await check(stream)
      assert.deepEqual([failure?.seq, failure?.id, failure?.problem], [4, five, 'out_of_order'])
    })

    it(
      'an inserted event (hash recomputed) fails at the event it displaced',
      { skip },
      async () => {
        const stream = await writeStream(store, signer, 10)
        assert.equal((await check(stream)).ok, true)
        const rows = await auditStreamEvents(store, stream, 0, 100)
        const at = rows[4]
        assert.ok(at !== undefined)
        await sql`update audit_events set seq = seq + 1000 where stream = ${stream} and seq >= 5`.execute(
          store.db,
        )
        await sql`update audit_events set seq = seq - 999 where stream = ${stream} and seq >= 1005`.execute(
          store.db,
        )
        const {
          id: _id,
          hash: _hash,
          ...forged
        } = { ...at, seq: 5, sub: 'mallory', prev_hash: rows[3]?.hash ?? '' }
        await store.db
          .insertInto('audit_events')
          .values({ ...forged, hash: auditEventHash({ ...forged }) })
          .execute()
        const { failure } = await check(stream)
        assert.deepEqual([failure?.seq, failure?.id, failure?.problem], [6, at.id, 'out_of_order'])
      },
    )

    it(
      'a rewritten tail (every hash recomputed) fails at the signed checkpoint',
      { skip },
      async () => {
        const stream = await writeStream(store, signer, 10)
        const rows = await auditStreamEvents(store, stream, 0, 100)
        let prev = rows[6]?.prev_hash ?? ''
        for (const row of rows.slice(6)) {
          const next = { ...row, outcome: 'allowed' as const, prev_hash: prev }
          prev = auditEventHash(next)
          await store.db
            .updateTable('audit_events')
            .set({ outcome: next.outcome, prev_hash: next.prev_hash, hash: prev })
            .where('id', '=', row.id)
            .execute()
        }
        const { failure } = await check(stream)
        assert.deepEqual([failure?.seq, failure?.problem], [10, 'changed'])
      },
    )

    it(
      'a deleted tail fails (the last checkpoint points past it); a forged checkpoint fails',
      { skip },
      async () => {
        const stream = await writeStream(store, signer, 10)
        await store.db
          .deleteFrom('audit_events')
          .where('id', '=', await rowId(stream, 10))
          .execute()
        assert.deepEqual((await check(stream)).failure?.problem, 'truncated')
        await store.db
          .updateTable('audit_checkpoints')
          .set({ seq: 9 })
          .where('stream', '=', stream)
          .execute()
        assert.deepEqual((await check(stream)).failure?.problem, 'bad_checkpoint')
      },
    )

    it(
      'retention: pruning keeps the rest verifiable; removing the anchor is detected',
      { skip },
      async () => {
        const base = Date.UTC(2026, 0, 1)
        const stream = await writeStream(store, signer, 20, { time: (i) => base + i * 60_000 })
        const report = await pruneAuditEvents(store, base + 12.5 * 60_000, signer)
        assert.deepEqual(report, { deleted: 12, streams: 1 })
        const after = await check(stream)
        assert.deepEqual([after.ok, after.events], [true, 8])
        await store.db
          .deleteFrom('audit_checkpoints')
          .where('stream', '=', stream)
          .where('seq', '=', 12)
          .execute()
        const { failure } = await check(stream)
        assert.deepEqual([failure?.seq, failure?.problem], [13, 'unanchored'])
      },
    )
  })
}
