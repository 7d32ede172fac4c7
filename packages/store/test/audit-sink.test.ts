// The store-backed audit sink (issue 14): batched in memory, never lost while the store is
// briefly away (within the bound), fail-closed beyond the bound (backlog or age), and no
// secret in a stored event.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TestContext } from 'node:test'
import { sql } from 'kysely'
import { createLogger } from '@mandate/core'
import {
  AuditUnavailableError,
  createStoreAuditSink,
  queryAuditEvents,
  verifyAuditChain,
} from '@mandate/store'
import type { Store, StoreAuditSink } from '@mandate/store'
import { backends } from '../../../test/support/stores.ts'
import { testSigner } from './support/audit.ts'

const event = (i: number) => ({
  type: 'mcp.tool_call',
  sub: `u${String(i)}`,
  tool: 't',
  outcome: 'allowed',
})

for (const backend of backends()) {
  describe(`audit sink on ${backend.name}`, async () => {
    const skip = await backend.skip()
    let store: Store
    const { signer, verify } = testSigner()
    let away = false
    /** Takes the audit table away (store unavailable); the test's cleanup puts it back. */
    const takeAway = async (t: TestContext) => {
      t.after(async () => {
        if (away) await putBack()
      })
      await sql`alter table audit_events rename to audit_events_away`.execute(store.db)
      away = true
    }
    const putBack = async () => {
      await sql`alter table audit_events_away rename to audit_events`.execute(store.db)
      away = false
    }
    /** A sink whose "write failed" log line resolves `failed` (an event to wait for, not a timer). */
    const open = (options: {
      maxQueued?: number
      failClosedAfterMs?: number
      now?: () => number
    }) => {
      let failed: () => void = () => undefined
      const failedOnce = new Promise<void>((resolve) => (failed = resolve))
      const logger = createLogger({
        write: (line) => {
          if (line.includes('audit store write failed')) failed()
        },
      })
      const sink = createStoreAuditSink(store, {
        instanceId: 'sink-test',
        signer,
        logger,
        ...options,
      })
      return { sink, failedOnce }
    }
    const stored = async (sink: StoreAuditSink) =>
      (await queryAuditEvents(store, { limit: 100_000 })).filter((e) => e.stream === sink.stream)
        .length

    before(async () => {
      if (skip === false) store = await backend.open()
    })
    after(async () => {
      if (skip !== false) return
      await store.close()
      await backend.cleanup()
    })

    it(
      'within the bound: the store away, requests are admitted and no event is lost',
      { skip },
      async (t) => {
        const { sink, failedOnce } = open({ maxQueued: 100, failClosedAfterMs: 600_000 })
        t.after(() => sink.close({ timeoutMs: 0 }))
        sink.emit(event(0))
        await sink.flush()
        await takeAway(t)
        for (let i = 1; i <= 5; i++) sink.emit(event(i))
        await failedOnce
        assert.equal(sink.available(), true)
        assert.doesNotThrow(() => {
          sink.admit()
        })
        assert.equal(sink.backlog(), 5)
        await putBack()
        await sink.flush()
        assert.equal(await stored(sink), 6)
        assert.equal(
          (await verifyAuditChain(store, { stream: sink.stream, verifySignature: verify })).ok,
          true,
        )
      },
    )

    it(
      'beyond the backlog bound: admit refuses (ERR_AUDIT_UNAVAILABLE) until the store is back',
      { skip },
      async (t) => {
        const { sink, failedOnce } = open({ maxQueued: 5, failClosedAfterMs: 600_000 })
        t.after(() => sink.close({ timeoutMs: 0 }))
        await takeAway(t)
        for (let i = 1; i <= 5; i++) sink.emit(event(i))
        await failedOnce
        assert.equal(sink.available(), false)
        assert.throws(
          () => {
            sink.admit()
          },
          { name: 'AuditUnavailableError', code: 'ERR_AUDIT_UNAVAILABLE' },
        )
        await putBack()
        await sink.flush()
        assert.equal(sink.available(), true)
        assert.equal(await stored(sink), 5)
      },
    )

    it(
      'beyond the time bound: refuses once the oldest waiting event is older than the bound',
      { skip },
      async (t) => {
        let clock = 1_000_000
        const { sink, failedOnce } = open({
          maxQueued: 1000,
          failClosedAfterMs: 5000,
          now: () => clock,
        })
        t.after(() => sink.close({ timeoutMs: 0 }))
        await takeAway(t)
        sink.emit(event(1))
        await failedOnce
        clock += 4999
        assert.equal(sink.available(), true)
        clock += 1
        assert.equal(sink.available(), false)
        assert.throws(() => {
          sink.admit()
        }, AuditUnavailableError)
        await putBack()
        await sink.flush()
        assert.equal(sink.available(), true)
      },
    )

    it('close flushes what is queued and anchors it with a checkpoint', { skip }, async () => {
      const { sink } = open({})
      for (let i = 0; i < 450; i++) sink.emit(event(i))
      await sink.close()
      assert.equal(await stored(sink), 450)
      const result = await verifyAuditChain(store, { stream: sink.stream, verifySignature: verify })
      assert.deepEqual([result.ok, result.events, result.checkpoints], [true, 450, 1])
    })

    it(
      'hostile strings (NUL, lone surrogates, huge) are stored and do not wedge the chain',
      { skip },
      async () => {
        const { sink } = open({})
        sink.emit({
          type: 'mcp.tool_call',
          tool: 'a\u0000b',
          sub: '\uD800x',
          reason: '\u0000\uDFFF',
          user_agent: 'x'.repeat(100_000),
        })
        sink.emit(event(1))
        await sink.close()
        assert.equal(sink.backlog(), 0)
        assert.equal(await stored(sink), 2)
        const result = await verifyAuditChain(store, {
          stream: sink.stream,
          verifySignature: verify,
        })
        assert.equal(result.ok, true)
      },
    )

    it(
      'no secret is stored: secret-named fields dropped, token shapes masked (scan)',
      { skip },
      async () => {
        const { sink } = open({})
        const jwt = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiJ4In0', 'c2lnbmF0dXJlLXZhbHVl'].join('.')
        sink.emit({
          type: 'token.issued',
          client_id: 'c',
          access_token: 'opaque-access',
          refresh_token: 'opaque-refresh',
          password: 'hunter2',
          code: 'auth-code',
          reason: `bad ${jwt}`,
          user_agent: `Bearer abcdefghijklmnop`,
        })
        sink.emit({ type: 'token.issued', client_id: 'c', scope: 'notes:read' })
        await sink.close()
        const rows = (await queryAuditEvents(store, {})).filter((e) => e.stream === sink.stream)
        assert.equal(rows.length, 2)
        const text = JSON.stringify(rows)
        for (const secret of [
          'opaque-access',
          'opaque-refresh',
          'hunter2',
          'auth-code',
          jwt,
          'abcdefghijklmnop',
        ]) {
          assert.equal(text.includes(secret), false, 'a secret reached the audit store')
        }
        assert.equal(rows[1]?.scope_granted, 'notes:read')
      },
    )

    it(
      'detail: the other fields as sorted JSON, secret-named ones dropped, on both paths',
      { skip },
      async () => {
        const { sink } = open({})
        // Written key by key; a top-level `toJSON` (here a Date) is serialised through an object.
        const fields = { zeta: 1, alpha: ['a', null], fn: () => 1, __proto__x: { b: 2 } }
        sink.emit({ type: 'token.issued', ...fields, client_secret: 'opaque-secret' })
        const when = new Date(5)
        sink.emit({ type: 'token.issued', ...fields, when, refresh_token: 'opaque-refresh' })
        await sink.close()
        const rows = (await queryAuditEvents(store, {})).filter((e) => e.stream === sink.stream)
        const plain = '{"__proto__x":{"b":2},"alpha":["a",null],"zeta":1}'
        assert.equal(rows[0]?.detail, plain)
        const dated = `{"__proto__x":{"b":2},"alpha":["a",null],"when":${JSON.stringify(when)},"zeta":1}`
        assert.equal(rows[1]?.detail, dated)
        assert.equal(JSON.stringify(rows).includes('opaque-'), false, 'a secret was stored')
      },
    )
  })
}
