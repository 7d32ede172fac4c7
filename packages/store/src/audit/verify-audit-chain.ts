import { auditEventHash, auditGenesisHash } from '@mandate/core'
import type { AuditCheckpoint } from '@mandate/core'
import { auditCheckpoints, auditStreamEvents, listAuditStreams } from '../repositories/audit.ts'
import type { Store } from '../store.ts'

/**
 * Why a stream fails verification: an event changed, missing, out of order or inserted, no anchor,
 * a bad checkpoint, or a stream cut short.
 */
export type AuditChainProblem =
  | 'changed'
  | 'missing'
  | 'out_of_order'
  | 'inserted'
  | 'unanchored'
  | 'bad_checkpoint'
  | 'truncated'

/** The first thing wrong with a stream: the event (or checkpoint) where the chain breaks. */
export interface AuditChainFailure {
  stream: string
  seq: number
  /** Row id of the bad event, when there is one. */
  id?: number
  problem: AuditChainProblem
  message: string
}

/** The result of a verification: counts of what was checked and the first failure, if any. */
export interface AuditVerification {
  ok: boolean
  streams: number
  events: number
  checkpoints: number
  failure?: AuditChainFailure
}

/** How to verify: checkpoint signature check, one stream only, page size. */
export interface VerifyAuditChainOptions {
  /** Checks a checkpoint's signature; without it, signatures are not checked (hashes are). */
  verifySignature?: (checkpoint: AuditCheckpoint) => boolean | Promise<boolean>
  /** Only this stream. */
  stream?: string
  /** Rows read per query. Default 2000. */
  pageSize?: number
}

/**
 * Walks every stream's chain in `seq` order (docs/audit.md, "Verification"): the first event
 * follows the genesis hash or a signed checkpoint (after retention pruning), each event's
 * `prev_hash` is the hash of the one before, each hash recomputes, every checkpoint's
 * signature holds and its hash matches the event it anchors, and no checkpoint points past
 * the last event. Stops at the first failure and names it.
 */
export async function verifyAuditChain(
  store: Pick<Store, 'db'>,
  options: VerifyAuditChainOptions = {},
): Promise<AuditVerification> {
  const streams = options.stream === undefined ? await listAuditStreams(store) : [options.stream]
  const result: AuditVerification = { ok: true, streams: streams.length, events: 0, checkpoints: 0 }
  for (const stream of streams) {
    const failure = await verifyStream(store, stream, options, result)
    if (failure !== undefined) return { ...result, ok: false, failure }
  }
  return result
}

async function verifyStream(
  store: Pick<Store, 'db'>,
  stream: string,
  options: VerifyAuditChainOptions,
  counts: AuditVerification,
): Promise<AuditChainFailure | undefined> {
  const checkpoints = await auditCheckpoints(store, stream)
  counts.checkpoints += checkpoints.length
  for (const checkpoint of checkpoints) {
    if (options.verifySignature !== undefined && !(await options.verifySignature(checkpoint))) {
      return fail(stream, checkpoint.seq, undefined, 'bad_checkpoint', 'signature does not verify')
    }
  }
  const anchors = new Map(checkpoints.map((c) => [c.seq, c]))
  const pageSize = options.pageSize ?? 2000
  let expectedSeq: number | undefined
  let prev = ''
  let lastSeq = 0
  for (;;) {
    const rows = await auditStreamEvents(store, stream, lastSeq, pageSize)
    for (const row of rows) {
      if (expectedSeq === undefined) {
        const anchor = row.seq === 1 ? undefined : anchors.get(row.seq - 1)
        if (row.seq !== 1 && anchor === undefined) {
          return fail(
            stream,
            row.seq,
            row.id,
            'unanchored',
            'earlier events missing, no checkpoint',
          )
        }
        prev = anchor === undefined ? auditGenesisHash(stream) : anchor.hash
        expectedSeq = row.seq
      }
      if (row.seq > expectedSeq) {
        return fail(stream, row.seq, row.id, 'missing', `event ${String(expectedSeq)} missing`)
      }
      if (row.seq < expectedSeq) {
        return fail(stream, row.seq, row.id, 'inserted', 'sequence number used twice')
      }
      if (row.prev_hash !== prev) {
        return fail(stream, row.seq, row.id, 'out_of_order', 'does not follow the event before')
      }
      if (auditEventHash(row) !== row.hash) {
        return fail(stream, row.seq, row.id, 'changed', 'content does not match its hash')
      }
      const anchor = anchors.get(row.seq)
      if (anchor !== undefined && anchor.hash !== row.hash) {
        return fail(stream, row.seq, row.id, 'changed', 'differs from the signed checkpoint')
      }
      prev = row.hash
      expectedSeq++
      lastSeq = row.seq
      counts.events++
    }
    if (rows.length < pageSize) break
  }
  const lastAnchor = checkpoints.at(-1)
  if (lastAnchor !== undefined && expectedSeq !== undefined && lastAnchor.seq > lastSeq) {
    return fail(
      stream,
      lastSeq + 1,
      undefined,
      'truncated',
      `events after ${String(lastSeq)} missing (checkpoint at ${String(lastAnchor.seq)})`,
    )
  }
  return undefined
}

function fail(
  stream: string,
  seq: number,
  id: number | undefined,
  problem: AuditChainProblem,
  message: string,
): AuditChainFailure {
  return { stream, seq, ...(id === undefined ? {} : { id }), problem, message }
}
