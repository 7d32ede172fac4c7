import { auditHashInput, auditHashOf } from '@mandate/core'
import type { AuditRecord, ChainedAuditRecord } from '@mandate/core'

/** A batch chained onto a stream, ready to be written (and rewritten as is on a retry). */
export interface ChainedBatch {
  records: ChainedAuditRecord[]
  /** What each record's hash was computed over (`auditHashInput`), in the same order. */
  hashInputs: string[]
}

/**
 * Links records onto a stream's head: `seq`, `prev_hash` and `hash`, completed in place (no
 * copies on the writer's path). The hashed text is kept: the PostgreSQL insert sends it as the
 * row, so each record is serialised once.
 */
export function chainBatch(
  queued: readonly { record: AuditRecord }[],
  stream: string,
  head: { seq: number; hash: string },
): ChainedBatch {
  let { seq, hash } = head
  const records: ChainedAuditRecord[] = []
  const hashInputs: string[] = []
  for (const { record } of queued) {
    const linked = record as ChainedAuditRecord
    linked.stream = stream
    linked.seq = ++seq
    linked.prev_hash = hash
    const input = auditHashInput(linked)
    linked.hash = hash = auditHashOf(input)
    records.push(linked)
    hashInputs.push(input)
  }
  return { records, hashInputs }
}
