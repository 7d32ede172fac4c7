import {
  auditCheckpoints,
  deleteAuditEventsThrough,
  insertAuditCheckpoint,
  lastAuditEventBefore,
  listAuditStreams,
} from '../repositories/audit.ts'
import { auditCheckpointPayload } from '@mandate/core'
import type { Store } from '../store.ts'
import type { AuditSigner } from './store-audit-sink.ts'

/** What a retention run removed: events deleted, streams cut. */
export interface AuditPruneReport {
  deleted: number
  streams: number
}

/**
 * Retention: deletes events older than `before` (ms), stream by stream, after anchoring each
 * cut with a signed checkpoint at the last deleted event, so that the chain of what remains
 * still verifies (docs/audit.md, "Retention").
 */
export async function pruneAuditEvents(
  store: Pick<Store, 'db'>,
  before: number,
  signer: AuditSigner,
  now: () => number = Date.now,
): Promise<AuditPruneReport> {
  const report: AuditPruneReport = { deleted: 0, streams: 0 }
  for (const stream of await listAuditStreams(store)) {
    const cut = await lastAuditEventBefore(store, stream, before)
    if (cut === undefined) continue
    const existing = (await auditCheckpoints(store, stream)).some(
      (c) => c.seq === cut.seq && c.hash === cut.hash,
    )
    if (!existing) {
      const at = { stream, seq: cut.seq, hash: cut.hash, time: now(), kid: signer.kid }
      const signature = await signer.sign(auditCheckpointPayload(at))
      await insertAuditCheckpoint(store, { ...at, signature })
    }
    report.deleted += await deleteAuditEventsThrough(store, stream, cut.seq)
    report.streams++
  }
  return report
}
