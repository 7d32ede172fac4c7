import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { getMeta, LEASE_MS, openStore } from '@mandate/store'
import type { Store } from '@mandate/store'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../../test/support/postgres.ts'
import { sqliteBackend } from '../../../test/support/stores.ts'

// The cross-instance primitives, proven with several real processes on one PostgreSQL schema.
const WORKER = fileURLToPath(new URL('./fixtures/primitive-worker.ts', import.meta.url))

interface Worker {
  child: ChildProcess
  lines: Record<string, unknown>[]
  exited: Promise<number | null>
  next: (predicate: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>
}

function startWorker(schema: string, mode: string, options: object = {}): Worker {
  const child = spawn(
    process.execPath,
    ['--conditions=@mandate/source', WORKER, schema, mode, JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines: Record<string, unknown>[] = []
  const waiters: {
    predicate: (l: Record<string, unknown>) => boolean
    resolve: (l: Record<string, unknown>) => void
  }[] = []
  let buffer = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    let newline
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>
      buffer = buffer.slice(newline + 1)
      lines.push(line)
      for (const waiter of waiters.filter((w) => w.predicate(line))) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  return {
    child,
    lines,
    exited,
    next: (predicate) =>
      new Promise((resolve) => {
        const seen = lines.find(predicate)
        if (seen !== undefined) resolve(seen)
        else waiters.push({ predicate, resolve })
      }),
  }
}

describe('store primitives across processes (PostgreSQL)', async () => {
  const skip = await postgresSkipReason()
  const schema = freshSchemaName()
  let store: Store

  before(async () => {
    if (skip === false)
      store = await openStore({ kind: 'postgres', url: POSTGRES_TEST_URL, schema })
  })
  after(async () => {
    if (skip !== false) return
    await store.close()
    await dropSchema(schema)
  })

  async function runLockWorkload(withoutLock: boolean) {
    await store.db.deleteFrom('mandate_meta').where('name', 'in', ['counter', 'holders']).execute()
    await store.db.insertInto('mandate_meta').values({ name: 'holders', value: '0' }).execute()
    const workers = Array.from({ length: 4 }, () =>
      startWorker(schema, 'lock', { iterations: 10, withoutLock }),
    )
    // Start together once every process has connected, whatever the machine's load.
    await Promise.all(workers.map((w) => w.next((line) => line['ready'] === true)))
    for (const w of workers) w.child.stdin?.end('go\n')
    assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0, 0, 0])
    const sections = workers
      .flatMap((w) => w.lines)
      .flatMap((line) => ('section' in line ? [line['section'] as { holders: number }] : []))
    return {
      counter: Number(await getMeta(store, 'counter')),
      sections: sections.length,
      overlaps: sections.filter((section) => section.holders > 1).length,
    }
  }

  it('withLock: contending processes never overlap and lose no update', { skip }, async () => {
    const { counter, sections, overlaps } = await runLockWorkload(false)
    assert.equal(counter, 40)
    assert.equal(sections, 40)
    assert.equal(overlaps, 0)
  })

  it(
    'control: the same workload without the lock overlaps and loses updates',
    { skip },
    async () => {
      // Shows the test above can fail: remove the lock and it does.
      const { counter, overlaps } = await runLockWorkload(true)
      assert.ok(overlaps > 0)
      assert.ok(counter < 40)
    },
  )

  it('withLock: a holder killed with SIGKILL does not leak the lock', { skip }, async () => {
    const holder = startWorker(schema, 'hold-and-die')
    await holder.next((line) => line['holding'] === true)
    // The waiter's bound only guards against a hang: acquiring at all (exit 0) is the proof.
    const waiter = startWorker(schema, 'acquire', { timeoutMs: 120_000 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    holder.child.kill('SIGKILL')
    await waiter.next((line) => 'acquiredAt' in line)
    assert.equal(await waiter.exited, 0)
  })

  it('publish in one process reaches a subscriber in another, in order', { skip }, async () => {
    // Delivery and order only; latency is measured by bench/, never asserted here.
    const subscriber = startWorker(schema, 'subscribe', { count: 20 })
    await subscriber.next((line) => line['ready'] === true)
    const publisher = startWorker(schema, 'publish', { count: 20 })
    assert.equal(await publisher.exited, 0)
    assert.equal(await subscriber.exited, 0)
    const received = subscriber.lines.flatMap((line) =>
      typeof line['received'] === 'number' ? [line['received']] : [],
    )
    assert.deepEqual(
      received,
      Array.from({ length: 20 }, (_, i) => i),
    )
  })

  it('setIfAbsent: each key has exactly one winner across processes', { skip }, async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `jti-${String(i)}`)
    const workers = Array.from({ length: 4 }, () => startWorker(schema, 'set-if-absent', { keys }))
    await Promise.all(workers.map((w) => w.next((line) => line['ready'] === true)))
    for (const w of workers) w.child.stdin?.end('go\n')
    assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0, 0, 0])
    const wins = workers.flatMap((w) =>
      w.lines.flatMap((line) => ('won' in line ? (line['won'] as string[]) : [])),
    )
    assert.equal(wins.length, keys.length)
    assert.deepEqual(new Set(wins), new Set(keys))
  })

  it(
    'subscribers get messages again after the notification connection is killed',
    { skip },
    async () => {
      const received: unknown[] = []
      let resubscribed = 0
      store.subscribe('after-restart', (m) => received.push(m))
      store.onResubscribe(() => (resubscribed += 1))
      const listening = `LISTEN "mandate:${schema}"%`
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where query like ${listening} and pid <> pg_backend_pid()`.execute(store.db)
      const deadline = Date.now() + 120_000
      while (resubscribed === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      assert.equal(resubscribed, 1)
      await store.publish('after-restart', { ok: true })
      while (received.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      assert.deepEqual(received, [{ ok: true }])
    },
  )
})

describe('store primitives across processes (SQLite)', () => {
  it('withLock: a holder killed with SIGKILL loses its lease once it expires', async () => {
    const backend = sqliteBackend()
    const setup = await backend.open()
    await setup.close()
    const options = backend.options()
    const file = `sqlite:${options.kind === 'sqlite' ? options.filename : ''}`
    try {
      const holder = startWorker(file, 'hold-and-die')
      await holder.next((line) => line['holding'] === true)
      holder.child.kill('SIGKILL')
      const killedAt = Date.now()
      await holder.exited
      const waiter = startWorker(file, 'acquire', { timeoutMs: LEASE_MS * 40 })
      const acquired = await waiter.next((line) => 'acquiredAt' in line)
      assert.equal(await waiter.exited, 0)
      // The dead holder's lease (renewed every LEASE_MS / 3 while it lived) kept the lock taken
      // for most of LEASE_MS after the kill, however quickly the waiter started (a lower bound,
      // which load can only lengthen); then it ran out and the waiter got it (exit 0).
      const afterKill = Number(acquired['acquiredAt']) - killedAt
      assert.ok(afterKill > LEASE_MS / 2, `acquired ${String(afterKill)} ms after the kill`)
    } finally {
      await backend.cleanup()
    }
  })
})
