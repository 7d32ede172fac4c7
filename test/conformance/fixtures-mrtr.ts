// Multi-round-trip (MRTR, SEP-2322, MCP 2026-07-28) fixtures for the conformance suite's
// input-required scenarios: tools and a prompt that return `InputRequiredResult` and complete
// on retry. Written for this repository from the scenario descriptions.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { inputRequired, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server'
import type { McpServer, ServerContext, ServerEventBus } from '@modelcontextprotocol/server'

type Responses = Record<string, unknown> | undefined
const invalidParams = (message: string): ProtocolError =>
  new ProtocolError(ProtocolErrorCode.InvalidParams, message)
const text = (t: string): { content: [{ type: 'text'; text: string }] } => ({
  content: [{ type: 'text', text: t }],
})
const KEY = randomBytes(32)
const mac = (payload: string): string =>
  createHmac('sha256', KEY).update(payload).digest('base64url')

/** `payload.mac`: requestState is attacker-controlled on return (SEP-2322 security note). */
function sealState(value: object): string {
  const payload = Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${payload}.${mac(payload)}`
}
/** `ServerOptions.requestState.verify`: the SDK answers -32602 when this throws. */
export function openState(state: unknown): Record<string, unknown> {
  const [payload, tag] = typeof state === 'string' ? state.split('.') : []
  const expected = payload === undefined ? '' : mac(payload)
  if (
    payload === undefined ||
    tag === undefined ||
    tag.length !== expected.length ||
    !timingSafeEqual(Buffer.from(tag), Buffer.from(expected))
  ) {
    throw invalidParams('requestState failed its integrity check')
  }
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

function responses(ctx: ServerContext): Responses {
  const raw = (ctx.mcpReq as { inputResponses?: unknown }).inputResponses
  if (raw === null) throw invalidParams('inputResponses must be an object')
  return raw as Responses
}
/** The verified requestState payload (openState ran in the SDK's verify hook). */
function state(ctx: ServerContext): Record<string, unknown> | undefined {
  return ctx.mcpReq.requestState<Record<string, unknown>>()
}
function verified(ctx: ServerContext): Record<string, unknown> {
  const value = state(ctx)
  if (value === undefined) throw invalidParams('requestState is missing')
  return value
}
/** An accepted elicitation answer (an object), or undefined; anything else is invalid. */
function answer(all: Responses, key: string): Record<string, unknown> | undefined {
  const entry = all?.[key]
  if (entry === undefined) return undefined
  if (typeof entry !== 'object' || entry === null) {
    throw invalidParams(`inputResponses.${key} must be an object`)
  }
  return entry as Record<string, unknown>
}
const ask = (message: string, property: string, type = 'string') =>
  inputRequired.elicit({
    message,
    requestedSchema: {
      type: 'object',
      properties: { [property]: { type } },
      required: [property],
    } as never,
  })
const sampling = (prompt: string, maxTokens: number) =>
  inputRequired.createMessage({
    messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
    maxTokens,
  })

export function registerMrtrFixtures(server: McpServer): void {
  server.registerTool('test_input_required_result_elicitation', { description: 'MRTR' }, (ctx) => {
    const name = answer(responses(ctx), 'user_name')
    if (name === undefined) {
      return inputRequired({ inputRequests: { user_name: ask('What is your name?', 'name') } })
    }
    const content = name['content'] as { name?: unknown } | undefined
    return text(`Hello, ${typeof content?.name === 'string' ? content.name : 'there'}!`)
  })
  server.registerTool('test_input_required_result_sampling', { description: 'MRTR' }, (ctx) => {
    const reply = answer(responses(ctx), 'capital_question')
    if (reply === undefined) {
      return inputRequired({
        inputRequests: { capital_question: sampling('What is the capital of France?', 100) },
      })
    }
    const content = reply['content'] as { text?: unknown } | undefined
    return text(`The model said: ${typeof content?.text === 'string' ? content.text : ''}`)
  })
  server.registerTool('test_input_required_result_list_roots', { description: 'MRTR' }, (ctx) => {
    const reply = answer(responses(ctx), 'client_roots')
    if (reply === undefined) {
      return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } })
    }
    const roots = Array.isArray(reply['roots']) ? (reply['roots'] as { uri?: unknown }[]) : []
    return text(`Roots: ${roots.map((r) => String(r.uri)).join(', ')}`)
  })
  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'MRTR' },
    (ctx) => {
      const reply = answer(responses(ctx), 'confirm')
      if (reply === undefined) {
        return inputRequired({
          inputRequests: { confirm: ask('Please confirm', 'ok', 'boolean') },
          requestState: sealState({ step: 'confirm' }),
        })
      }
      verified(ctx)
      return text('state-ok: confirmed')
    },
  )
  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'MRTR' },
    (ctx) => {
      const all = responses(ctx)
      const keys = ['user_name', 'greeting', 'client_roots']
      if (!keys.every((key) => answer(all, key) !== undefined)) {
        return inputRequired({
          inputRequests: {
            user_name: ask('What is your name?', 'name'),
            greeting: sampling('Generate a greeting', 50),
            client_roots: inputRequired.listRoots(),
          },
          requestState: sealState({ step: 'all' }),
        })
      }
      verified(ctx)
      return text('received every input')
    },
  )
  server.registerTool('test_input_required_result_multi_round', { description: 'MRTR' }, (ctx) => {
    const all = responses(ctx)
    if (answer(all, 'step2') !== undefined && verified(ctx)['round'] === 2) {
      return text('multi-round complete')
    }
    if (answer(all, 'step1') !== undefined && verified(ctx)['round'] === 1) {
      return inputRequired({
        inputRequests: { step2: ask('Step 2: What is your favorite color?', 'color') },
        requestState: sealState({ round: 2 }),
      })
    }
    return inputRequired({
      inputRequests: { step1: ask('Step 1: What is your name?', 'name') },
      requestState: sealState({ round: 1 }),
    })
  })
  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'MRTR' },
    (ctx) => {
      const all = responses(ctx)
      if (all === undefined && state(ctx) === undefined) {
        return inputRequired({
          inputRequests: { confirm: ask('Please confirm', 'ok', 'boolean') },
          requestState: sealState({ step: 'tamper-check' }),
        })
      }
      verified(ctx)
      return text('state verified')
    },
  )
  server.registerTool('test_input_required_result_capabilities', { description: 'MRTR' }, (ctx) => {
    if (responses(ctx) !== undefined) return text('capabilities respected')
    // 2026-07-28: the request's own envelope says what this client can answer.
    const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>
    const declared = envelope['io.modelcontextprotocol/clientCapabilities'] ?? {}
    const caps = declared as Record<string, unknown>
    const requests: Record<string, ReturnType<typeof ask>> = {}
    if (caps['elicitation'] !== undefined) requests['user_name'] = ask('What is your name?', 'name')
    if (caps['sampling'] !== undefined) requests['greeting'] = sampling('Generate a greeting', 50)
    if (caps['roots'] !== undefined) requests['client_roots'] = inputRequired.listRoots()
    if (Object.keys(requests).length === 0) return text('no client capability to ask with')
    return inputRequired({ inputRequests: requests })
  })
  server.registerPrompt('test_input_required_result_prompt', { description: 'MRTR' }, (ctx) => {
    const reply = answer(responses(ctx), 'user_context')
    if (reply === undefined) {
      return inputRequired({
        inputRequests: { user_context: ask('What context should the prompt use?', 'context') },
      })
    }
    const content = reply['content'] as { context?: unknown } | undefined
    return {
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Context: ${typeof content?.context === 'string' ? content.context : ''}`,
          },
        },
      ],
    }
  })
}

/**
 * 2026-07-28 stateless-serving diagnostics the `server-stateless` scenario calls. The list-change
 * triggers publish on `bus`, the event bus the SDK's `subscriptions/listen` streams read.
 */
export function registerStatelessFixtures(server: McpServer, bus: ServerEventBus): void {
  server.registerTool(
    'test_trigger_tool_change',
    { description: 'announces a tool change' },
    () => {
      bus.publish({ kind: 'tools_list_changed' })
      return text('tools list changed')
    },
  )
  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'announces a prompt change' },
    () => {
      bus.publish({ kind: 'prompts_list_changed' })
      return text('prompts list changed')
    },
  )
  // Asks for sampling that the caller never declared: the SDK answers -32021 (SEP-2575).
  server.registerTool('test_missing_capability', { description: 'needs sampling' }, () =>
    inputRequired({ inputRequests: { q: sampling('Needs a sampling-capable client', 10) } }),
  )
  // Elicitation rides the result (MRTR), never an independent request on the stream.
  server.registerTool('test_streaming_elicitation', { description: 'MRTR on a stream' }, (ctx) =>
    answer(responses(ctx), 'confirm') === undefined
      ? inputRequired({ inputRequests: { confirm: ask('Continue?', 'ok', 'boolean') } })
      : text('streamed'),
  )
  // Logs through the request's logger, which honours the request's `logLevel` (or its absence).
  server.registerTool('test_logging_tool', { description: 'logs' }, async (ctx) => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the scenario checks this very API
    await ctx.mcpReq.log('info', 'a log line for the logLevel check')
    return text('logged')
  })
}
