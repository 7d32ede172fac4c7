import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import type { CallToolResult, InputRequests, ServerContext } from '@modelcontextprotocol/server'
import { getIdentity } from '../identity.ts'
import type { McpIdentity } from '../identity.ts'
import type { TaskRecord, TaskRegistry } from './task-registry.ts'

/** The SEP-2663 extension id, under `capabilities.extensions` and a request's capabilities. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks'

const REGISTRY_KEY = 'mandate.tasks'
const REVOKED_KEY = 'mandate.tasks.revoked'
const CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities'

/** What the work of a task gets: the caller, cancellation, and a way to ask for input. */
export interface TaskContext {
  /** The verified caller that created the task (the task is theirs only). */
  readonly identity: McpIdentity
  /** The task's id; `undefined` when the work runs synchronously (no task negotiated). */
  readonly taskId: string | undefined
  /**
   * Aborted on `tasks/cancel`, on the task's expiry, on shutdown and when a revocation event
   * covers the token that created the task.
   */
  readonly signal: AbortSignal
  /**
   * Parks the task as `input_required` with these requests (the MRTR shapes, e.g.
   * `inputRequired.elicit(...)`) until the client answers all of them with `tasks/update`;
   * resolves with the answers by key. Synchronous runs cannot park: a tool error.
   */
  input(requests: InputRequests): Promise<Record<string, unknown>>
}

/** The result of `tools/call` that created a task (SEP-2663 `CreateTaskResult`, flat). */
export interface CreateTaskResult {
  [key: string]: unknown
  resultType: 'task'
  taskId: string
  status: string
  createdAt: string
  lastUpdatedAt: string
  ttlMs: number
  pollIntervalMs: number
}

/**
 * Puts the registry where task tools find it (`authInfo.extra`, beside the identity), with the
 * check of whether this request's token was revoked since (a task's work stops when it is).
 */
export function withTaskRegistry(
  extra: Record<string, unknown>,
  registry: TaskRegistry,
  revoked: () => boolean,
): Record<string, unknown> {
  return { ...extra, [REGISTRY_KEY]: registry, [REVOKED_KEY]: revoked }
}

/** Whether this request declared the tasks extension (2026-07-28 per-request capabilities). */
export function declaresTasks(ctx: ServerContext): boolean {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>
  const capabilities = envelope[CAPABILITIES_KEY] as { extensions?: unknown } | undefined
  const extensions = capabilities?.extensions
  return typeof extensions === 'object' && extensions !== null && TASKS_EXTENSION in extensions
}

/**
 * Runs a tool's `work` as a SEP-2663 task when the request declared the tasks extension: the
 * task is created for the caller, `work` goes on in the background, and the call answers at
 * once with the {@link CreateTaskResult}. Otherwise `work` runs now and its result is the answer.
 * For tools defined with `defineTool(..., { task: 'optional' | 'required' })`.
 * @throws TaskLimitError `ERR_SERVER_TASK_LIMIT` (a tool error) when the caller holds too many.
 * @example
 * ```ts
 * defineTool('export_report', { task: 'optional' }, (ctx) =>
 *   runAsTask(ctx, async (task) => text(await buildReport(task.signal))),
 * )
 * ```
 */
export async function runAsTask(
  ctx: ServerContext,
  work: (task: TaskContext) => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const identity = getIdentity(ctx)
  const registry = ctx.http?.authInfo?.extra?.[REGISTRY_KEY] as TaskRegistry | undefined
  if (registry === undefined || !declaresTasks(ctx)) {
    return work({
      identity,
      taskId: undefined,
      signal: ctx.mcpReq.signal,
      input: () =>
        Promise.reject(new Error('this call cannot wait for input: no task was created')),
    })
  }
  const revoked = ctx.http?.authInfo?.extra?.[REVOKED_KEY] as (() => boolean) | undefined
  const task = registry.create(identity, revoked)
  void settle(registry, task, work, identity)
  const created: CreateTaskResult = {
    resultType: 'task',
    taskId: task.taskId,
    status: task.status,
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
    ttlMs: registry.limits.ttlMs,
    pollIntervalMs: registry.limits.pollIntervalMs,
  }
  // The SDK's tool result type has no task variant; it passes `resultType: 'task'` through on
  // `tools/call` (and adds an empty `content`), so the wire answer is this CreateTaskResult.
  return created as unknown as CallToolResult
}

/**
 * Runs the work to its end. A tool error is `completed` with `result.isError`; a thrown error
 * is `failed` with a JSON-RPC error (SEP-2663 "error semantics"); internals are not shown.
 */
async function settle(
  registry: TaskRegistry,
  task: TaskRecord,
  work: (task: TaskContext) => Promise<CallToolResult>,
  identity: McpIdentity,
): Promise<void> {
  try {
    const result = await work({
      identity,
      taskId: task.taskId,
      signal: task.abort.signal,
      input: (requests) => registry.park(task, requests),
    })
    registry.settle(task, { status: 'completed', result: { ...result } })
  } catch (error) {
    const known = error instanceof ProtocolError
    registry.settle(task, {
      status: 'failed',
      error: {
        code: known ? error.code : ProtocolErrorCode.InternalError,
        message: known ? error.message : 'internal error',
      },
    })
  }
}
