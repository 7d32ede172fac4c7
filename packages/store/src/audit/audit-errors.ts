import { MandateError } from '@mandate/core'

/** Stable codes of audit failures: the store is behind its bound, or the sink was closed. */
export type AuditErrorCode = 'ERR_AUDIT_UNAVAILABLE' | 'ERR_AUDIT_CLOSED'

/**
 * The audit store has not taken events for longer than the configured bound (time or backlog):
 * the request that would be audited is refused (fail closed, docs/audit.md).
 */
export class AuditUnavailableError extends MandateError<AuditErrorCode> {}
