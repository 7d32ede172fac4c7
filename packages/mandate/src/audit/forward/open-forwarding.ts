import type { ChainedAuditRecord, Logger } from '@mandate/core'
import type { MandateConfig } from '../../config/schema.ts'
import type { Metrics } from '../../observability/metrics.ts'
import type { AuditForwarder, ForwardOutcome, ForwardTarget } from './forwarder.ts'
import { syslogForwarder } from './syslog-forwarder.ts'

/** Every configured forwarding target behind one call, and its close. */
export interface AuditForwarding {
  /** Copies a batch the sink has just stored; never waits, never throws. */
  readonly forward: (records: readonly ChainedAuditRecord[]) => void
  close(): Promise<void>
}

/**
 * Opens the configured forwarders (`audit.forward`), or nothing when none is. A collector that
 * is down is logged once when it starts failing and once when it works again, and counted.
 */
export async function openAuditForwarding(
  config: MandateConfig,
  instanceId: string,
  logger: Logger,
  metrics?: Pick<Metrics, 'forwarded'>,
): Promise<AuditForwarding | undefined> {
  const { syslog, otlp, maxQueued } = config.audit.forward
  const log = logger.child({ component: 'audit-forward' })
  const reporter = (target: ForwardTarget) => {
    let failing = false
    return (outcome: ForwardOutcome, n: number, error?: unknown) => {
      if (n > 0) metrics?.forwarded(target, outcome, n)
      if (outcome === 'sent' && failing) log.info('audit forwarding works again', { target })
      if (outcome === 'sent') failing = false
      else if (!failing) {
        failing = true
        const reason = error instanceof Error ? error.message : outcome
        log.warn('audit forwarding failed', { target, outcome, reason })
      }
    }
  }
  const reports = { syslog: reporter('syslog'), otlp: reporter('otlp') }
  const forwarders: AuditForwarder[] = []
  if (syslog !== undefined) forwarders.push(syslogForwarder(syslog, maxQueued, reports.syslog))
  if (otlp !== undefined) {
    // Loaded only when configured: the OpenTelemetry SDK and its exporter are some two hundred
    // modules that every other process would load at start-up.
    const { otlpForwarder } = await import('./otlp-forwarder.ts')
    forwarders.push(otlpForwarder(otlp, { maxQueued, instanceId }, reports.otlp))
  }
  if (forwarders.length === 0) return undefined
  return {
    forward: (records) => {
      for (const forwarder of forwarders) {
        try {
          forwarder.forward(records)
        } catch (error) {
          reports[forwarder.target]('failed', records.length, error)
        }
      }
    },
    close: async () => {
      await Promise.all(forwarders.map((f) => f.close()))
    },
  }
}
