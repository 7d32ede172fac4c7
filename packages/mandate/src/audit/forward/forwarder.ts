import type { ChainedAuditRecord } from '@mandate/core'

/** Where stored events are copied to (docs/audit.md, "Forwarding"). */
export type ForwardTarget = 'syslog' | 'otlp'

/** What became of forwarded events: counted per target (`mandate_audit_forwarded_total`). */
export type ForwardOutcome = 'sent' | 'failed' | 'dropped'

/** How a forwarder tells what became of events (and why a send failed). */
export type ForwardReport = (outcome: ForwardOutcome, count: number, error?: unknown) => void

/** One forwarding target: takes stored events without waiting, never throws. */
export interface AuditForwarder {
  readonly target: ForwardTarget
  /** Queues copies of events already stored (bounded: beyond, they are dropped and counted). */
  forward(records: readonly ChainedAuditRecord[]): void
  /** Sends what is queued, for a bounded time, then stops. */
  close(): Promise<void>
}
