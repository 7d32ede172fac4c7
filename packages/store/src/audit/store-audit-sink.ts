import { randomBytes } from 'node:crypto'
import {
  auditCheckpointPayload,
  auditGenesisHash,
  silentLogger,
  toAuditRecord,
} from '@mandate/core'
import type { AuditInput, AuditRecord, ChainedAuditRecord, Logger } from '@mandate/core'
import {
  appendAuditEvents,
  auditEventExists,
  insertAuditCheckpoint,
} from '../repositories/audit.ts'
import type { Store } from '../store.ts'
import { AuditUnavailableError } from './audit-errors.ts'
import { chainBatch } from './chain-batch.ts'
import type { ChainedBatch } from './chain-batch.ts'

/** Signs checkpoints: the audit key sealed by the vault (docs/audit.md). */
export interface AuditSigner {
  readonly kid: string
  sign(payload: Buffer): Promise<string> | string
}

/** Batching, fail-closed bounds and checkpointing of the audit sink (docs/audit.md). */
export interface StoreAuditSinkOptions {
  /** This instance's name, stored with every event. */
  instanceId: string
  /** The chain this process writes. Default `<instanceId>/<random boot id>`. */
  stream?: string
  /** Events per insert. Default 200. */
  batchSize?: number
  /** Longest an event waits in memory before a write is attempted, ms. Default 50. */
  flushIntervalMs?: number
  /** Fail closed when this many events wait (store slow or down). Default 10000. */
  maxQueued?: number
  /** Fail closed when the oldest waiting event is this old (store down), ms. Default 5000. */
  failClosedAfterMs?: number
  /** Events kept in memory at most; beyond, events are dropped and counted. Default 4 × maxQueued. */
  hardLimit?: number
  /** A signed checkpoint after this many events. Default 1000. */
  checkpointEvery?: number
  /** ...or after this long with new events, ms. Default 60000. */
  checkpointIntervalMs?: number
  signer?: AuditSigner
  /**
   * Completes a batch before it is chained and written (e.g. user and client names looked up
   * in one query); a failure counts as a failed write and is retried.
   */
  enrich?: (records: AuditRecord[]) => Promise<void>
  /** Called with each batch once stored (forwarding); must not block, a throw is only logged. */
  onStored?: (records: readonly ChainedAuditRecord[]) => void
  logger?: Logger
  now?: () => number
}

/** A store-backed audit sink: batched in memory, hash-chained, checkpointed, fail-closed. */
export interface StoreAuditSink {
  readonly stream: string
  readonly instanceId: string
  /** Queues an event (never throws, never waits). */
  emit(event: AuditInput): void
  /** @throws AuditUnavailableError `ERR_AUDIT_UNAVAILABLE` beyond the fail-closed bound. */
  admit(): void
  /** False beyond the fail-closed bound (the host refuses requests). */
  available(): boolean
  /** Events waiting in memory. */
  backlog(): number
  /** Events dropped beyond the hard limit since start. */
  dropped(): number
  /** Writes every queued event (and a due checkpoint); rejects with the store's error. */
  flush(): Promise<void>
  /** Flushes (retrying until `timeoutMs`, default 10 s), writes a final checkpoint, stops. */
  close(options?: { timeoutMs?: number }): Promise<void>
}

interface Queued {
  record: AuditRecord
  at: number
}

/** Opens the store-backed sink of one process (docs/audit.md, "Pipeline"). */
export function createStoreAuditSink(
  store: Pick<Store, 'db'>,
  options: StoreAuditSinkOptions,
): StoreAuditSink {
  return new QueuedAuditSink(store, options)
}

class QueuedAuditSink implements StoreAuditSink {
  readonly stream: string
  readonly instanceId: string
  private readonly now: () => number
  private readonly logger: Logger
  private readonly limits: {
    batchSize: number
    flushIntervalMs: number
    maxQueued: number
    failClosedAfterMs: number
    hardLimit: number
    checkpointEvery: number
    checkpointIntervalMs: number
  }
  private readonly queue: Queued[] = []
  private head: { seq: number; hash: string }
  /** The batch being written, chained once so that a retry writes the same rows. */
  private pending: ChainedBatch | undefined
  private anchored: { seq: number; time: number }
  private droppedCount = 0
  private failing = false
  private closed = false
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  private readonly store: Pick<Store, 'db'>
  private readonly options: StoreAuditSinkOptions

  constructor(store: Pick<Store, 'db'>, options: StoreAuditSinkOptions) {
    this.store = store
    this.options = options
    this.now = options.now ?? Date.now
    this.logger = options.logger ?? silentLogger
    this.instanceId = options.instanceId
    this.stream = options.stream ?? `${options.instanceId}/${randomBytes(6).toString('hex')}`
    const maxQueued = options.maxQueued ?? 10_000
    this.limits = {
      batchSize: options.batchSize ?? 200,
      flushIntervalMs: options.flushIntervalMs ?? 50,
      maxQueued,
      failClosedAfterMs: options.failClosedAfterMs ?? 5_000,
      hardLimit: options.hardLimit ?? maxQueued * 4,
      checkpointEvery: options.checkpointEvery ?? 1000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 60_000,
    }
    this.head = { seq: 0, hash: auditGenesisHash(this.stream) }
    this.anchored = { seq: 0, time: this.now() }
  }

  emit(event: AuditInput): void {
    if (this.closed || this.queue.length >= this.limits.hardLimit) {
      this.droppedCount++
      const reason = this.closed ? 'closed' : 'full'
      this.logger.error('audit event dropped', { type: event.type, reason })
      return
    }
    const at = this.now()
    const record = toAuditRecord(event, at)
    record.instance_id ??= this.instanceId
    this.queue.push({ record, at })
    this.schedule(this.queue.length >= this.limits.batchSize ? 0 : this.limits.flushIntervalMs)
  }

  admit(): void {
    if (!this.available()) {
      throw new AuditUnavailableError('ERR_AUDIT_UNAVAILABLE', 'audit store unavailable')
    }
  }

  available(): boolean {
    if (this.queue.length >= this.limits.maxQueued) return false
    const oldest = this.queue[0]
    return oldest === undefined || this.now() - oldest.at < this.limits.failClosedAfterMs
  }

  backlog(): number {
    return this.queue.length
  }

  dropped(): number {
    return this.droppedCount
  }

  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    while (this.running !== undefined) await this.running.catch(() => undefined)
    await this.run()
  }

  async close({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = this.now() + timeoutMs
    for (;;) {
      try {
        await this.flush()
        await this.checkpoint()
        break
      } catch {
        if (this.now() >= deadline) {
          const count = this.queue.length
          this.logger.error('audit events not stored at shutdown', { stream: this.stream, count })
          break
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryDelay()))
      }
    }
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
  }

  /** One write at a time; on failure, retried after a delay while events wait (bounded). */
  private run(): Promise<void> {
    this.running ??= this.drain()
      .then(() => {
        if (this.failing) this.logger.info('audit store writes again', { stream: this.stream })
        this.failing = false
      })
      .catch((error: unknown) => {
        if (!this.failing) {
          this.logger.error('audit store write failed', { stream: this.stream, error })
        }
        this.failing = true
        throw error
      })
      .finally(() => {
        this.running = undefined
        if (this.queue.length > 0 && !this.closed)
          this.schedule(this.failing ? this.retryDelay() : 0)
      })
    return this.running
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      await this.writeBatch()
      if (this.checkpointDue()) await this.checkpoint()
    }
  }

  private async writeBatch(): Promise<void> {
    if (this.pending === undefined) {
      const next = this.queue.slice(0, this.limits.batchSize)
      await this.options.enrich?.(next.map((q) => q.record))
      this.pending = chainBatch(next, this.stream, this.head)
    }
    const { records: batch, hashInputs } = this.pending
    const last = batch.at(-1)
    if (last === undefined) return
    try {
      await appendAuditEvents(this.store, batch, hashInputs)
    } catch (error) {
      // A lost acknowledgement of a committed insert must not wedge the chain on a retry.
      const stored = await auditEventExists(this.store, this.stream, last.seq, last.hash).catch(
        () => false,
      )
      if (!stored) throw error
    }
    this.queue.splice(0, batch.length)
    this.head = { seq: last.seq, hash: last.hash }
    this.pending = undefined
    try {
      this.options.onStored?.(batch)
    } catch (error) {
      this.logger.error('audit forwarding failed', { stream: this.stream, error })
    }
  }

  private checkpointDue(): boolean {
    const { seq, time } = this.anchored
    return (
      this.options.signer !== undefined &&
      this.head.seq > seq &&
      (this.head.seq - seq >= this.limits.checkpointEvery ||
        this.now() - time >= this.limits.checkpointIntervalMs)
    )
  }

  private async checkpoint(): Promise<void> {
    const { signer } = this.options
    if (signer === undefined || this.head.seq <= this.anchored.seq) return
    const { seq, hash } = this.head
    const at = { stream: this.stream, seq, hash, time: this.now(), kid: signer.kid }
    const signature = await signer.sign(auditCheckpointPayload(at))
    await insertAuditCheckpoint(this.store, { ...at, signature })
    this.anchored = { seq: at.seq, time: at.time }
  }

  private retryDelay(): number {
    return Math.min(1000, Math.max(this.limits.flushIntervalMs, 100))
  }

  private schedule(delay: number): void {
    if (this.timer !== undefined || this.running !== undefined) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.run().catch(() => undefined)
    }, delay)
    this.timer.unref()
  }
}
