import { SeverityNumber } from '@opentelemetry/api'
import { ExportResultCode } from '@opentelemetry/core'
import type { Attributes } from '@opentelemetry/api'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import type { LogRecordExporter } from '@opentelemetry/sdk-logs'
import type { ChainedAuditRecord } from '@mandate/core'
import type { AuditForwarder, ForwardReport } from './forwarder.ts'

/** Where OTLP log records go (`audit.forward.otlp`). */
export interface OtlpTarget {
  /** The OTLP/HTTP logs URL; `/v1/logs` is added when it has no path. */
  url: string
  timeoutMs: number
}

/** The logs URL: OTLP/HTTP's default path (`/v1/logs`) when the URL names none. */
export function otlpLogsUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/v1/logs'
  return parsed.href
}

/**
 * Forwards stored events as OTLP log records (OTLP/HTTP, JSON) through the OpenTelemetry SDK's
 * exporter and batch processor: event type as `event.name`, every stored column as a
 * `mandate.audit.<column>` attribute. At most `maxQueued` records wait for the collector.
 */
export function otlpForwarder(
  target: OtlpTarget,
  options: { maxQueued: number; instanceId: string },
  report: ForwardReport,
): AuditForwarder {
  let waiting = 0
  const exporter = countingExporter(
    new OTLPLogExporter({ url: otlpLogsUrl(target.url), timeoutMillis: target.timeoutMs }),
    (outcome, count, error) => {
      waiting -= count
      report(outcome, count, error)
    },
  )
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      'service.name': 'mandate',
      'service.instance.id': options.instanceId,
    }),
    processors: [
      new BatchLogRecordProcessor({
        exporter,
        maxQueueSize: options.maxQueued,
        maxExportBatchSize: Math.min(512, options.maxQueued),
        scheduledDelayMillis: 200,
        exportTimeoutMillis: target.timeoutMs,
      }),
    ],
  })
  const logger = provider.getLogger('mandate.audit')
  return {
    target: 'otlp',
    forward(records) {
      for (const record of records) {
        // The processor drops silently when full: the bound is kept (and counted) here.
        if (waiting >= options.maxQueued) {
          report('dropped', 1)
          continue
        }
        waiting++
        logger.emit(toLogRecord(record))
      }
    },
    async close() {
      await provider.shutdown().catch((error: unknown) => {
        report('failed', 0, error)
      })
      if (waiting > 0) report('dropped', waiting)
      waiting = 0
    },
  }
}

function toLogRecord(record: ChainedAuditRecord) {
  const attributes: Attributes = {}
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && value !== undefined) {
      attributes[`mandate.audit.${key}`] = value as string | number
    }
  }
  const warning = record.outcome === 'denied' || record.outcome === 'failure'
  return {
    eventName: record.type,
    timestamp: record.time,
    severityNumber: warning ? SeverityNumber.WARN : SeverityNumber.INFO,
    severityText: warning ? 'WARN' : 'INFO',
    body: `${record.type} ${record.outcome}`,
    attributes,
  }
}

/** The exporter, with each export's result reported (sent, or failed with its error). */
function countingExporter(inner: LogRecordExporter, report: ForwardReport): LogRecordExporter {
  return {
    export(records, done) {
      inner.export(records, (result) => {
        if (result.code === ExportResultCode.SUCCESS) report('sent', records.length)
        else report('failed', records.length, result.error)
        done(result)
      })
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  }
}
