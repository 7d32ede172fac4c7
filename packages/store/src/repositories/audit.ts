import { CompiledQuery, PostgresAdapter } from 'kysely'
import { AUDIT_RECORD_FIELDS, auditHashInput } from '@mandate/core'
import type { AuditCheckpoint, ChainedAuditRecord } from '@mandate/core'
import { PREPARED_MARKER } from '../postgres/prepared-statements.ts'
import type { Store } from '../store.ts'

/** A stored event: the chained record and its row id (listing order across streams). */
export type StoredAuditEvent = ChainedAuditRecord & { id: number }

const COLUMNS = [
  'stream',
  'seq',
  'prev_hash',
  'hash',
  ...AUDIT_RECORD_FIELDS,
] as const satisfies readonly (keyof ChainedAuditRecord)[]
const PG_TYPES: Partial<Record<(typeof COLUMNS)[number], string>> = {
  seq: 'bigint',
  time: 'bigint',
}
// A PostgreSQL row is the chain's hash input (`["v1", prev_hash, stream, seq, ...fields]`,
// auditHashInput) with the hash appended: these are its columns from position 1.
const PG_ROW = [
  'prev_hash',
  'stream',
  'seq',
  ...AUDIT_RECORD_FIELDS,
  'hash',
] as const satisfies readonly (typeof COLUMNS)[number][]
const PG_INSERT = `${PREPARED_MARKER}insert into audit_events (${PG_ROW.map((c) => `"${c}"`).join(', ')})
select ${PG_ROW.map((c, i) => `(r->>${String(i + 1)})::${PG_TYPES[c] ?? 'text'}`).join(', ')}
from jsonb_array_elements($1::jsonb) as r`

/**
 * Appends chained events: all of them or none. PostgreSQL: one statement, prepared once per
 * connection, the batch travelling as one JSON parameter rather than thousands of bound values,
 * cast to `jsonb` so that the server parses it once (`->>` on `json` re-parses the row for
 * every column). Each row is the text the chain hashed (`hashInputs`, kept by the sink) with
 * the hash appended, so the record is serialised once. SQLite: multi-row `VALUES` statements
 * of power-of-two sizes (a batch of 200 is 128 + 64 + 8 rows, in one transaction), so that a
 * handful of prepared statements serve every batch size; binding values costs SQLite less than
 * extracting them from JSON (bench/audit).
 */
export async function appendAuditEvents(
  store: Pick<Store, 'db'>,
  events: readonly ChainedAuditRecord[],
  hashInputs?: readonly string[],
): Promise<void> {
  if (events.length === 0) return
  if (store.db.getExecutor().adapter instanceof PostgresAdapter) {
    await store.db.executeQuery(CompiledQuery.raw(PG_INSERT, [postgresRows(events, hashInputs)]))
    return
  }
  const chunks = sqliteChunks(events)
  if (chunks.length === 1) {
    await store.db.executeQuery(chunks[0] as CompiledQuery)
    return
  }
  await store.db.transaction().execute(async (trx) => {
    for (const chunk of chunks) await trx.executeQuery(chunk)
  })
}

/** The batch as one JSON array of {@link PG_ROW} rows. */
function postgresRows(events: readonly ChainedAuditRecord[], hashInputs?: readonly string[]) {
  let rows = ''
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ChainedAuditRecord
    const input = hashInputs?.[i] ?? auditHashInput(event)
    rows += `${i === 0 ? '[' : ','}${input.slice(0, -1)},${JSON.stringify(event.hash)}]`
  }
  return `${rows}]`
}

const SQLITE_MAX_ROWS = 256 // × 23 columns: well under SQLite's 32,766 bound parameters
const sqliteInserts = new Map<number, string>()

/** The batch as multi-row inserts of 256, 128, … 1 rows, in chain order. */
function sqliteChunks(events: readonly ChainedAuditRecord[]): CompiledQuery[] {
  const chunks: CompiledQuery[] = []
  let start = 0
  for (let size = SQLITE_MAX_ROWS; size >= 1; size >>= 1) {
    while (events.length - start >= size) {
      const parameters: unknown[] = []
      for (let i = start; i < start + size; i++) {
        const event = events[i] as ChainedAuditRecord
        for (const column of COLUMNS) parameters.push(event[column])
      }
      chunks.push(CompiledQuery.raw(sqliteInsert(size), parameters))
      start += size
    }
  }
  return chunks
}

function sqliteInsert(rows: number): string {
  let text = sqliteInserts.get(rows)
  if (text === undefined) {
    const row = `(${COLUMNS.map(() => '?').join(', ')})`
    text = `insert into "audit_events" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${Array.from({ length: rows }, () => row).join(', ')}`
    sqliteInserts.set(rows, text)
  }
  return text
}

/** Whether the event `stream`/`seq` is stored with this hash (a write whose reply was lost). */
export async function auditEventExists(
  store: Pick<Store, 'db'>,
  stream: string,
  seq: number,
  hash: string,
): Promise<boolean> {
  const row = await store.db
    .selectFrom('audit_events')
    .select('id')
    .where('stream', '=', stream)
    .where('seq', '=', seq)
    .where('hash', '=', hash)
    .executeTakeFirst()
  return row !== undefined
}

/** Stores a signed checkpoint of a stream (docs/audit.md, "Checkpoints"). */
export async function insertAuditCheckpoint(
  store: Pick<Store, 'db'>,
  checkpoint: AuditCheckpoint,
): Promise<void> {
  await store.db
    .insertInto('audit_checkpoints')
    .values({ ...checkpoint })
    .execute()
}

/** Every stream that has events or checkpoints. */
export async function listAuditStreams(store: Pick<Store, 'db'>): Promise<string[]> {
  const events = await store.db.selectFrom('audit_events').select('stream').distinct().execute()
  const anchors = await store.db
    .selectFrom('audit_checkpoints')
    .select('stream')
    .distinct()
    .execute()
  return [...new Set([...events, ...anchors].map((row) => row.stream))].sort()
}

/** Events of one stream with `seq` after `afterSeq`, in `seq` order, at most `limit`. */
export async function auditStreamEvents(
  store: Pick<Store, 'db'>,
  stream: string,
  afterSeq: number,
  limit: number,
): Promise<StoredAuditEvent[]> {
  const rows = await store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('stream', '=', stream)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows as StoredAuditEvent[]
}

/** The checkpoints of one stream, in `seq` order. */
export async function auditCheckpoints(
  store: Pick<Store, 'db'>,
  stream: string,
): Promise<AuditCheckpoint[]> {
  const rows = await store.db
    .selectFrom('audit_checkpoints')
    .select(['stream', 'seq', 'hash', 'time', 'kid', 'signature'])
    .where('stream', '=', stream)
    .orderBy('seq')
    .orderBy('id')
    .execute()
  return rows
}

/** The last event of a stream at or before `time` (the retention cut), if any. */
export async function lastAuditEventBefore(
  store: Pick<Store, 'db'>,
  stream: string,
  time: number,
): Promise<StoredAuditEvent | undefined> {
  const row = await store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('stream', '=', stream)
    .where('time', '<', time)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row as StoredAuditEvent | undefined
}

/**
 * Deletes a stream's events up to `throughSeq` and the checkpoints before it; the checkpoint
 * at `throughSeq` stays, anchoring the first event kept.
 */
export async function deleteAuditEventsThrough(
  store: Pick<Store, 'db'>,
  stream: string,
  throughSeq: number,
): Promise<number> {
  const result = await store.db
    .deleteFrom('audit_events')
    .where('stream', '=', stream)
    .where('seq', '<=', throughSeq)
    .executeTakeFirst()
  await store.db
    .deleteFrom('audit_checkpoints')
    .where('stream', '=', stream)
    .where('seq', '<', throughSeq)
    .execute()
  return Number(result.numDeletedRows)
}
