import { TASKS_EXTENSION } from '../tasks/run-as-task.ts'
import type { ProtectRuntime } from '../runtime/start-protect-runtime.ts'
import type { ProtectedCall } from './protected-call.ts'

/** SEP-2575 "Missing Required Client Capability". */
const MISSING_CAPABILITY = -32021

interface RpcRequest {
  id?: unknown
  method?: unknown
  params?: { name?: unknown; _meta?: Record<string, unknown> }
}

/**
 * Step: a `tools/call` of a tool defined with `task: 'required'` from a request that did not
 * declare the `io.modelcontextprotocol/tasks` extension is refused with -32021 and the
 * extension it needs (SEP-2663 "Required Capabilities"), HTTP 400, before any handler runs.
 */
export function requireTaskCapability(
  call: ProtectedCall,
  { config }: ProtectRuntime,
): Response | undefined {
  if (config.taskTools.size === 0 || call.body === undefined) return undefined
  const body = call.body as RpcRequest
  if (Array.isArray(body) || body.method !== 'tools/call') return undefined
  const name = body.params?.name
  if (typeof name !== 'string' || config.taskTools.get(name) !== 'required') return undefined
  const declared = body.params?._meta?.['io.modelcontextprotocol/clientCapabilities'] as
    { extensions?: Record<string, unknown> } | undefined
  if (declared?.extensions?.[TASKS_EXTENSION] !== undefined) return undefined
  return Response.json(
    {
      jsonrpc: '2.0',
      id: body.id ?? null,
      error: {
        code: MISSING_CAPABILITY,
        message: `tool ${name} runs as a task: declare the ${TASKS_EXTENSION} extension`,
        data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      },
    },
    { status: 400 },
  )
}
