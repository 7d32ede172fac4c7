import type { OperatorAttribution } from '@mandate/authorization-server'
import type { AuditInput } from '@mandate/core'
import type { Runtime } from '../runtime/open-runtime.ts'
import { openAuditTrail } from './open-audit-trail.ts'

/** What an operator command records its changes with. */
export interface CliAudit {
  /** The attribution of changes made by this command (`actor: cli`). */
  by: OperatorAttribution
  /** Any other event (the vault's, while a command unlinks a user's accounts). */
  emit(event: AuditInput): void
}

/**
 * Runs an operator command with the installation's audit pipeline (docs/audit.md): its events
 * are stored and hash-chained in a stream of this process, like those of `mandate serve`, and
 * written (with a signed checkpoint) before the command returns. No `audit` log line: the
 * command prints its own result.
 */
export async function withCliAudit<T>(
  runtime: Runtime,
  run: (audit: CliAudit) => Promise<T>,
): Promise<T> {
  const config = { ...runtime.config, audit: { ...runtime.config.audit, log: false } }
  const trail = await openAuditTrail(config, runtime.store, runtime.keys, runtime.logger)
  const emit = (event: AuditInput): void => {
    trail.emit({ time: new Date().toISOString(), ...event })
  }
  try {
    return await run({
      by: {
        actor: 'cli',
        emit: (event) => {
          emit({ ...event })
        },
      },
      emit,
    })
  } finally {
    await trail.close()
  }
}
