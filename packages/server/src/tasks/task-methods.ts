import {
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
} from '@modelcontextprotocol/server'
import type { McpServer, ServerContext, StandardSchemaV1 } from '@modelcontextprotocol/server'
import { getIdentity } from '../identity.ts'
import { declaresTasks, TASKS_EXTENSION } from './run-as-task.ts'
import type { TaskRecord, TaskRegistry } from './task-registry.ts'

interface TaskParams {
  taskId: string
  inputResponses?: Record<string, unknown>
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** `{ taskId }` (and `inputResponses` for `tasks/update`), checked before any lookup. */
const taskParams: StandardSchemaV1<unknown, TaskParams> = {
  '~standard': {
    version: 1,
    vendor: 'mandate',
    validate: (value) => {
      if (!isObject(value) || typeof value['taskId'] !== 'string' || value['taskId'].length > 200) {
        return { issues: [{ message: 'taskId must be a string' }] }
      }
      const responses = value['inputResponses']
      if (responses !== undefined && !isObject(responses)) {
        return { issues: [{ message: 'inputResponses must be an object' }] }
      }
      return {
        value: {
          taskId: value['taskId'],
          ...(responses === undefined ? {} : { inputResponses: responses }),
        },
      }
    },
  },
}

/** The SEP-2663 `DetailedTask` of `tasks/get`: result, error or input requests inlined. */
function detailed(task: TaskRecord, registry: TaskRegistry): Record<string, unknown> {
  return {
    taskId: task.taskId,
    status: task.status,
    createdAt: new Date(task.createdAt).toISOString(),
    lastUpdatedAt: new Date(task.lastUpdatedAt).toISOString(),
    ttlMs: registry.limits.ttlMs,
    pollIntervalMs: registry.limits.pollIntervalMs,
    ...(task.status === 'completed' && task.result !== undefined ? { result: task.result } : {}),
    ...(task.status === 'failed' && task.error !== undefined ? { error: task.error } : {}),
    ...(task.status === 'input_required' && task.inputRequests !== undefined
      ? { inputRequests: { ...task.inputRequests } }
      : {}),
  }
}

/**
 * Serves `tasks/get`, `tasks/update` and `tasks/cancel` on a per-request server and declares
 * the extension (SEP-2663). Each looks the task up by the caller and id together: a task of
 * another user or client is "unknown" (-32602), exactly like an id never issued. A request that
 * did not declare the extension gets -32021 (SEP-2575 missing client capability).
 * `tasks/result` and `tasks/list` (removed in SEP-2663) stay unknown methods (-32601).
 */
export function attachTaskMethods(server: McpServer, registry: TaskRegistry): void {
  const low = server.server
  low.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } })
  const lookup = (params: TaskParams, ctx: ServerContext): TaskRecord => {
    if (!declaresTasks(ctx)) {
      throw new MissingRequiredClientCapabilityError({
        requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
      })
    }
    const task = registry.find(getIdentity(ctx), params.taskId)
    if (task === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'unknown task')
    return task
  }
  low.setRequestHandler('tasks/get', { params: taskParams }, (params, ctx) =>
    detailed(lookup(params, ctx), registry),
  )
  low.setRequestHandler('tasks/update', { params: taskParams }, (params, ctx) => {
    // The SDK lifts a request's `inputResponses` (the MRTR field name) onto its context.
    const lifted = (ctx.mcpReq as { inputResponses?: unknown }).inputResponses
    const responses = params.inputResponses ?? (isObject(lifted) ? lifted : {})
    registry.answer(lookup(params, ctx), responses)
    return {}
  })
  low.setRequestHandler('tasks/cancel', { params: taskParams }, (params, ctx) => {
    registry.cancel(lookup(params, ctx))
    return {}
  })
}
