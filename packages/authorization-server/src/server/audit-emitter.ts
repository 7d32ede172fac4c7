import type { AuditEvent } from '@mandate/core'
import type { AuthorizationServerConfig } from '../config/resolve-config.ts'
import type { AuditEmit } from '../provider/provider-context.ts'

/**
 * The one way the server records an audit event: stamped with `time` and `issuer`, handed to
 * the configured sink without waiting; a failing sink is logged (event type only), never thrown
 * into the request that caused the event.
 */
export function auditEmitter(config: AuthorizationServerConfig): AuditEmit {
  const { audit, logger } = config
  return (event) => {
    if (audit === undefined) return
    const full: AuditEvent = { ...event, time: new Date().toISOString(), issuer: config.issuer }
    Promise.resolve(audit(full)).catch((error: unknown) => {
      logger.error('audit sink failed', {
        type: event.type,
        error: error instanceof Error ? error.message : 'unknown',
      })
    })
  }
}
