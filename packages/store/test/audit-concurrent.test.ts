// Several instances on one PostgreSQL (issue 14): two processes write 10,000 audit events at
// once, each in its own chained stream; every event is stored and every chain verifies.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { auditCheckpointPayload } from '@mandate/core'
import { openStore, verifyAuditChain } from '@mandate/store'
import type { Store } from '@mandate/store'
import { verify } from 'node:crypto'
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  postgresSkipReason,
} from '../../../test/support/postgres.ts'

const WRITER = fileURLToPath(new URL('./fixtures/audit-writer.ts', import.meta.url))
const skip = await postgresSkipReason()

function startWriter(schema: string, instanceId: string, count: number) {
  const child = spawn(
    process.execPath,
    ['--conditions=@mandate/source', WRITER, POSTGRES_TEST_URL, schema, instanceId, String(count)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout })
  const messages: Record<string, unknown>[] = []
  const waiters: (() => void)[] = []
  lines.on('line', (line) => {
    messages.push(JSON.parse(line) as Record<string, unknown>)
    for (const wake of waiters.splice(0)) wake()
  })
  const next = async (key: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = messages.find((m) => key in m)
      if (found !== undefined) return found
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  return { child, next }
}

void describe('two processes writing audit events to one PostgreSQL', { skip }, () => {
  const schema = freshSchemaName()
  let store: Store
  before(async () => {
    store = await openStore({ kind: 'postgres', url: POSTGRES_TEST_URL, schema })
  })
  after(async () => {
    await store.close()
    await dropSchema(schema)
  })

  it('10,000 events at once: all stored, interleaved, every chain verifies', async (t) => {
    const writers = [startWriter(schema, 'node-a', 5000), startWriter(schema, 'node-b', 5000)]
    t.after(() => {
      for (const w of writers) if (w.child.exitCode === null) w.child.kill()
    })
    await Promise.all(writers.map((w) => w.next('ready')))
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const key = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    for (const w of writers) w.child.stdin.write(`${JSON.stringify({ key })}\n`)
    const done = await Promise.all(writers.map((w) => w.next('done')))
    assert.deepEqual(
      done.map((d) => d['dropped']),
      [0, 0],
    )

    const total = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    assert.equal(total.n, 10_000)
    // Written at once: the id ranges of the two streams overlap (one clock: the sequence).
    const ranges = await store.db
      .selectFrom('audit_events')
      .select([
        'stream',
        (eb) => eb.fn.min<number>('id').as('lo'),
        (eb) => eb.fn.max<number>('id').as('hi'),
      ])
      .groupBy('stream')
      .execute()
    const [a, b] = ranges
    assert.ok(a !== undefined && b !== undefined && ranges.length === 2)
    assert.ok(a.lo < b.hi && b.lo < a.hi, 'the writes overlapped')

    const result = await verifyAuditChain(store, {
      verifySignature: (c) =>
        verify(null, auditCheckpointPayload(c), publicKey, Buffer.from(c.signature, 'base64url')),
    })
    assert.deepEqual([result.ok, result.streams, result.events], [true, 2, 10_000])
    assert.ok(result.checkpoints >= 10)
  })
})
