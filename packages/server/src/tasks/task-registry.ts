import { randomBytes } from 'node:crypto'
import { MandateError } from '@mandate/core'
import type { McpIdentity } from '../identity.ts'

/** SEP-2663 task statuses. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled'

/** The bounds of the task registry of one endpoint (`ProtectOptions.tasks`, resolved). */
export interface TaskLimits {
  /** How long a task stays readable after it was created, ms (`ttlMs` on the wire). */
  readonly ttlMs: number
  /** Suggested polling interval, ms (`pollIntervalMs` on the wire). */
  readonly pollIntervalMs: number
  /** Tasks one user+client may hold on one instance (finished ones are dropped first). */
  readonly maxTasksPerCaller: number
  /** Tasks one instance holds, all callers together. */
  readonly maxTasks: number
}

/** One task as the registry keeps it; only its owner ever gets it. */
export interface TaskRecord {
  readonly taskId: string
  readonly owner: string
  readonly createdAt: number
  readonly expiresAt: number
  lastUpdatedAt: number
  status: TaskStatus
  result: Record<string, unknown> | undefined
  error: { code: number; message: string } | undefined
  /** Requests the task waits on, by the server-minted key; answered keys are removed. */
  inputRequests: Record<string, unknown> | undefined
  /** Answers gathered so far for the pending `inputRequests`. */
  inputResponses: Record<string, unknown>
  /** Called when every pending input request has an answer. */
  resume: ((responses: Record<string, unknown>) => void) | undefined
  readonly abort: AbortController
  /**
   * Whether the token that created the task is now revoked: the verified claims and the token's
   * SHA-256 behind the listener's covering rule, never the token itself.
   */
  readonly revoked: () => boolean
}

/** Where the registry hears of revocations (the runtime's `RevocationListener.onEvent`). */
export type TaskRevocations = (listener: () => void) => () => void

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled'])

/** Whether `status` is final (SEP-2663: completed, failed, cancelled). */
export const isTerminal = (status: TaskStatus): boolean => TERMINAL.has(status)

/** The owner key of a task: the user and the OAuth client, as for notification streams. */
export const taskOwner = (caller: McpIdentity): string => `${caller.sub}\u0000${caller.clientId}`

/** Raised when a caller already holds `maxTasksPerCaller` running tasks. */
export class TaskLimitError extends MandateError {
  constructor() {
    super(
      'ERR_SERVER_TASK_LIMIT',
      'too many running tasks for this caller; wait for one to finish or cancel one',
    )
  }
}

/**
 * The SEP-2663 tasks of one endpoint, in this instance's memory: each task belongs to the user
 * and client that created it, and every read, update and cancel is looked up by owner and id
 * together, so another caller's task id reads as unknown. Bounded per caller and per instance;
 * a task is dropped (and its work aborted) when its `ttlMs` has passed. A task lives on the
 * instance that runs it (docs/server.md "Tasks").
 */
export class TaskRegistry {
  readonly #tasks = new Map<string, TaskRecord>()
  readonly #now: () => number
  readonly #unsubscribe: () => void
  readonly limits: TaskLimits

  constructor(limits: TaskLimits, now: () => number = Date.now, revocations?: TaskRevocations) {
    this.limits = limits
    this.#now = now
    // Like notification streams: on every event, the work of each task whose token is now
    // covered stops (docs/revocation.md: revocation takes effect within a second).
    this.#unsubscribe =
      revocations?.(() => {
        this.#dropRevoked()
      }) ?? (() => undefined)
  }

  /** Tasks held on this instance (for tests). */
  get size(): number {
    return this.#tasks.size
  }

  /**
   * Creates a working task for `caller`, already readable when this returns (SEP-2663 durable
   * create). `revoked` tells whether the creating token is revoked (checked on each revocation
   * event). @throws TaskLimitError when the caller's running tasks fill the quota.
   */
  create(caller: McpIdentity, revoked: () => boolean = () => false): TaskRecord {
    this.#sweep()
    const owner = taskOwner(caller)
    this.#makeRoom(owner)
    const now = this.#now()
    const task: TaskRecord = {
      taskId: randomBytes(16).toString('base64url'),
      owner,
      createdAt: now,
      expiresAt: now + this.limits.ttlMs,
      lastUpdatedAt: now,
      status: 'working',
      result: undefined,
      error: undefined,
      inputRequests: undefined,
      inputResponses: {},
      resume: undefined,
      abort: new AbortController(),
      revoked,
    }
    this.#tasks.set(task.taskId, task)
    // An event between authentication and here is not heard again.
    if (revoked()) this.#dropRevoked()
    return task
  }

  /** The caller's task `taskId`, or `undefined` (unknown, expired or another caller's alike). */
  find(caller: McpIdentity, taskId: string): TaskRecord | undefined {
    this.#sweep()
    const task = this.#tasks.get(taskId)
    return task?.owner === taskOwner(caller) ? task : undefined
  }

  /** Moves a task on; a terminal task never changes again. */
  settle(task: TaskRecord, change: Partial<Pick<TaskRecord, 'status' | 'result' | 'error'>>): void {
    if (isTerminal(task.status)) return
    Object.assign(task, change)
    task.lastUpdatedAt = this.#now()
    if (change.status !== undefined && isTerminal(change.status)) {
      task.inputRequests = undefined
      task.resume = undefined
    }
  }

  /** Parks a working task on `requests` until every one is answered through {@link answer}. */
  park(task: TaskRecord, requests: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (isTerminal(task.status)) {
        reject(new Error('task already finished'))
        return
      }
      task.inputRequests = { ...requests }
      task.inputResponses = {}
      task.resume = resolve
      this.settle(task, { status: 'input_required' })
      const onAbort = (): void => {
        reject(new Error('task cancelled'))
      }
      task.abort.signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Takes the answers that match pending requests; the rest are ignored (SEP-2663). */
  answer(task: TaskRecord, responses: Record<string, unknown>): void {
    const pending = task.inputRequests
    if (task.status !== 'input_required' || pending === undefined) return
    // Own keys only: a key such as `constructor` or `__proto__` is never a pending request.
    const answered = Object.keys(responses).filter((key) => Object.hasOwn(pending, key))
    for (const key of answered) task.inputResponses[key] = responses[key]
    const left = Object.entries(pending).filter(([key]) => !answered.includes(key))
    task.inputRequests = Object.fromEntries(left)
    task.lastUpdatedAt = this.#now()
    if (left.length > 0) return
    const resume = task.resume
    task.inputRequests = undefined
    task.resume = undefined
    this.settle(task, { status: 'working' })
    resume?.(task.inputResponses)
  }

  /** Cancels a running task (its work is aborted); a finished one stays as it is. */
  cancel(task: TaskRecord): void {
    if (isTerminal(task.status)) return
    this.settle(task, { status: 'cancelled' })
    task.abort.abort()
  }

  /** Aborts every task (shutdown). */
  closeAll(): void {
    this.#unsubscribe()
    for (const task of this.#tasks.values()) this.cancel(task)
    this.#tasks.clear()
  }

  /** Drops the owner's oldest finished tasks to stay under quota; refuses when all are running. */
  #makeRoom(owner: string): void {
    const mine = [...this.#tasks.values()].filter((task) => task.owner === owner)
    let excess = mine.length + 1 - this.limits.maxTasksPerCaller
    for (const task of mine) {
      if (excess <= 0) break
      if (!isTerminal(task.status)) continue
      this.#tasks.delete(task.taskId)
      excess--
    }
    if (excess > 0) throw new TaskLimitError()
    for (const task of this.#tasks.values()) {
      if (this.#tasks.size < this.limits.maxTasks) break
      this.cancel(task)
      this.#tasks.delete(task.taskId)
    }
  }

  /** Cancels and forgets each task whose token is revoked: it then reads as unknown to anyone. */
  #dropRevoked(): void {
    for (const task of [...this.#tasks.values()]) {
      if (!task.revoked()) continue
      this.cancel(task)
      this.#tasks.delete(task.taskId)
    }
  }

  #sweep(): void {
    const now = this.#now()
    for (const task of this.#tasks.values()) {
      if (task.expiresAt > now) continue
      this.cancel(task)
      this.#tasks.delete(task.taskId)
    }
  }
}
