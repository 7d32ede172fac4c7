import { randomBytes } from 'node:crypto'
import { ConfigurationError } from '@mandate/core'
import type { AuditSink, Logger } from '@mandate/core'
import { setMetaIfAbsent } from '@mandate/store'
import type { Store } from '@mandate/store'
import type { GatewayOptions } from '../options.ts'
import { approvalConfig } from './approval-options.ts'
import type { ApprovalConfig } from './approval-options.ts'

/** One step of an approval, as audited (`gateway.approval`). */
export interface ApprovalAuditStep {
  step: 'requested' | 'approved' | 'denied' | 'used'
  sub: string
  clientId: string
  upstream: string
  tool: string
  callHash: string
}

/** What the approval step of `tools/call` and the approval pages share. */
export interface ApprovalContext {
  readonly store: Store
  readonly config: ApprovalConfig
  readonly logger: Logger
  /** The installation's approval secret (CSRF tokens), made once and kept in the store. */
  secret(): Promise<string>
  /** Records one step; a sink that fails is logged, the decision stands. */
  audit(step: ApprovalAuditStep): Promise<void>
}

const OUTCOME = {
  requested: 'recorded',
  approved: 'allowed',
  denied: 'denied',
  used: 'allowed',
} as const

/**
 * The approval context, or undefined when no rule asks for approval. A policy with `approve`
 * rules needs the approval pages and the store: refused at start otherwise (fail closed).
 */
export function createApprovalContext(
  options: GatewayOptions,
  logger: Logger,
  needed: boolean,
): ApprovalContext | undefined {
  if (options.approval === undefined || options.store === undefined) {
    if (!needed) return undefined
    throw new ConfigurationError(
      'gateway.approval',
      '`approve` policy rules need the approval pages and a store (mandate serve)',
    )
  }
  const { store } = options
  const config = approvalConfig(options.approval)
  let secret: Promise<string> | undefined
  return {
    store,
    config,
    logger,
    secret: () =>
      (secret ??= setMetaIfAbsent(
        store,
        'gateway.approval-secret',
        randomBytes(32).toString('base64url'),
      )),
    audit: (step) => emit(options.audit, options, logger, step),
  }
}

async function emit(
  sink: AuditSink | undefined,
  options: GatewayOptions,
  logger: Logger,
  step: ApprovalAuditStep,
): Promise<void> {
  if (sink === undefined) return
  try {
    await sink({
      type: 'gateway.approval',
      time: new Date().toISOString(),
      issuer: options.authorizationServers[0] ?? '',
      outcome: OUTCOME[step.step],
      step: step.step,
      sub: step.sub,
      client_id: step.clientId,
      tool: step.tool,
      upstream: step.upstream,
      server: options.resource,
      call_sha256: step.callHash,
    })
  } catch (error) {
    logger.warn('gateway approval audit failed', { error })
  }
}
