import { hostname } from 'node:os'
import type { HttpBindings } from '@hono/node-server'
import { createMiddleware } from 'hono/factory'
import type { AuditInput, Logger } from '@mandate/core'
import { createStoreAuditSink, pruneAuditEvents } from '@mandate/store'
import type { Store, StoreAuditSink } from '@mandate/store'
import type { McpAuditOptions } from '@mandate/server'
import type { KeyWrapper } from '@mandate/vault'
import type { MandateConfig } from '../config/schema.ts'
import type { Metrics } from '../observability/metrics.ts'
import { auditCheckpointKey } from './checkpoint-key.ts'
import { openAuditForwarding } from './forward/open-forwarding.ts'
import { auditNames } from './names.ts'
import { currentAuditContext } from './request-context.ts'

/** The audit pipeline of one `mandate serve` process (docs/audit.md). */
export interface AuditTrail {
  /** Every component's events go here (never throws). */
  emit(event: AuditInput): void
  /** The MCP toolkit's hook: refuses (fail closed) beyond the configured bound. */
  mcp: McpAuditOptions
  /** Refuses every request with 503 while the audit store is beyond the bound. */
  gate: ReturnType<typeof createMiddleware<{ Bindings: HttpBindings }>>
  /** The stored sink, when storage is enabled (metrics read its backlog). */
  sink: StoreAuditSink | undefined
  /** Writes what is queued and a final checkpoint. */
  close(): Promise<void>
}

const PRUNE_EVERY_MS = 3_600_000

/** Builds the pipeline: request context, names, log line, store sink with its checkpoint key. */
export async function openAuditTrail(
  config: MandateConfig,
  store: Store,
  keys: KeyWrapper,
  logger: Logger,
  metrics?: Metrics,
): Promise<AuditTrail> {
  const settings = config.audit
  const instanceId = settings.instanceId ?? `${hostname()}-${String(process.pid)}`
  const key = settings.enabled ? await auditCheckpointKey(store, keys) : undefined
  // Store first, forward after: only what the sink stored is copied (docs/audit.md).
  const forwarding =
    key === undefined ? undefined : await openAuditForwarding(config, instanceId, logger, metrics)
  const sink =
    key === undefined
      ? undefined
      : createStoreAuditSink(store, {
          instanceId,
          batchSize: settings.batchSize,
          flushIntervalMs: settings.flushIntervalMs,
          maxQueued: settings.maxQueued,
          failClosedAfterMs: settings.failClosedAfterMs,
          checkpointEvery: settings.checkpointEvery,
          checkpointIntervalMs: settings.checkpointIntervalMs,
          signer: key.signer,
          enrich: auditNames(store),
          ...(forwarding === undefined ? {} : { onStored: forwarding.forward }),
          logger: logger.child({ component: 'audit' }),
        })
  if (sink !== undefined) metrics?.watchAudit(sink)
  const emit = (event: AuditInput): void => {
    const enriched: AuditInput = { ...currentAuditContext(), ...event }
    if (settings.log) logger.info('audit', { event: enriched })
    metrics?.observe(enriched)
    sink?.emit(enriched)
  }
  const pruner =
    sink === undefined || key === undefined || settings.retentionDays === undefined
      ? undefined
      : setInterval(() => {
          const before = Date.now() - (settings.retentionDays ?? 0) * 86_400_000
          pruneAuditEvents(store, before, key.signer).catch((error: unknown) => {
            logger.error('audit retention failed', { error })
          })
        }, PRUNE_EVERY_MS).unref()
  return {
    emit,
    sink,
    mcp: {
      record: (event) => {
        sink?.admit()
        emit(event)
      },
      hashArguments: settings.hashToolArguments,
    },
    gate: createMiddleware<{ Bindings: HttpBindings }>(async (c, next) => {
      if (sink !== undefined && !sink.available()) {
        return c.json(
          { error: 'temporarily_unavailable', error_description: 'audit store unavailable' },
          503,
          { 'retry-after': '5' },
        )
      }
      await next()
      return undefined
    }),
    close: async () => {
      if (pruner !== undefined) clearInterval(pruner)
      await sink?.close()
      await forwarding?.close()
    },
  }
}
