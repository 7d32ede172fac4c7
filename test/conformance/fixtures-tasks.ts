// SEP-2663 Tasks (io.modelcontextprotocol/tasks) fixtures for the conformance suite's `tasks-*`
// scenarios, built on @mandate/server's task support (`defineTool({ task })` + `runAsTask`).
// Written for this repository from the scenario descriptions.
import { defineTool, runAsTask } from '@mandate/server'
import type { ProtectedTool, TaskContext } from '@mandate/server'
import { inputRequired, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import type { ServerContext } from '@modelcontextprotocol/server'
import * as z from 'zod'

const text = (t: string): { content: [{ type: 'text'; text: string }] } => ({
  content: [{ type: 'text', text: t }],
})
const ask = (message: string, property: string) =>
  inputRequired.elicit({
    message,
    requestedSchema: {
      type: 'object',
      properties: { [property]: { type: 'string' } },
      required: [property],
    } as never,
  })

/** Waits `ms`, or ends early (rejecting) when the task is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(new Error('cancelled'))
      },
      { once: true },
    )
  })
}

const greetInput = z.object({ name: z.string().max(200) })
const computeInput = z.object({
  seconds: z.number().min(0).max(600).optional(),
  label: z.string().max(200).optional(),
})
const deleteInput = z.object({ filename: z.string().max(200).optional() })

/** The `inputResponses` of an MRTR retry (the composition fixture's first round). */
function responses(ctx: ServerContext): Record<string, unknown> | undefined {
  const raw = (ctx.mcpReq as { inputResponses?: unknown }).inputResponses
  return typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined
}
const accepted = (answer: unknown, property: string): string => {
  const content = (answer as { content?: Record<string, unknown> } | undefined)?.content
  const value = content?.[property]
  return typeof value === 'string' ? value : JSON.stringify(value ?? '')
}

/** The task fixtures: `greet` (sync), and task tools that sleep, fail, ask and compose. */
export const taskFixtures: readonly ProtectedTool[] = [
  defineTool('greet', { description: 'sync-only greeting', inputSchema: greetInput }, ({ name }) =>
    text(`Hello, ${name}!`),
  ),
  defineTool(
    'slow_compute',
    { description: 'sleeps `seconds`, then answers', inputSchema: computeInput, task: 'optional' },
    ({ seconds, label }, ctx) =>
      runAsTask(ctx, async (task: TaskContext) => {
        await sleep((seconds ?? 1) * 1000, task.signal)
        return text(`computed ${label ?? ''} after ${String(seconds ?? 1)}s`)
      }),
  ),
  defineTool('failing_job', { description: 'a tool error', task: 'required' }, (ctx) =>
    runAsTask(ctx, async (task) => {
      await sleep(1000, task.signal)
      return { ...text('the job failed'), isError: true }
    }),
  ),
  defineTool('protocol_error_job', { description: 'a protocol error', task: 'optional' }, (ctx) =>
    runAsTask(ctx, () =>
      Promise.reject(new ProtocolError(ProtocolErrorCode.InternalError, 'the job crashed')),
    ),
  ),
  defineTool(
    'confirm_delete',
    { description: 'asks to confirm', inputSchema: deleteInput, task: 'optional' },
    ({ filename }, ctx) =>
      runAsTask(ctx, async (task) => {
        const answers = await task.input({ confirm: ask(`Delete ${filename ?? 'it'}?`, 'confirm') })
        return text(`deleted ${filename ?? ''}: ${accepted(answers['confirm'], 'confirm')}`)
      }),
  ),
  defineTool('multi_input', { description: 'asks two things at once', task: 'optional' }, (ctx) =>
    runAsTask(ctx, async (task) => {
      const answers = await task.input({
        first: ask('First name?', 'name'),
        second: ask('Second name?', 'name'),
      })
      return text(
        `got ${accepted(answers['first'], 'name')} and ${accepted(answers['second'], 'name')}`,
      )
    }),
  ),
  defineTool(
    'test_tool_with_task',
    { description: 'MRTR first, then a task', task: 'required' },
    (ctx) => {
      const answer = responses(ctx)?.['user_name']
      if (answer === undefined) {
        return inputRequired({ inputRequests: { user_name: ask('What is your name?', 'name') } })
      }
      const name = accepted(answer, 'name')
      return runAsTask(ctx, () => Promise.resolve(text(`Hello, ${name}, from a task`)))
    },
  ),
]
