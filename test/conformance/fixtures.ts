// The tools, resources and prompts the MCP conformance suite's server scenarios call, added to
// the notes example in its unauthenticated test mode. Written for this repository from the
// scenario expectations (names and contents are what the suite checks).
import { fromJsonSchema, ResourceTemplate } from '@modelcontextprotocol/server'
import type { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA='
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
// Stateless serving cannot carry a server-to-client request; give up quickly instead of
// waiting for the SDK's 60 s request timeout.
const within = <T>(promise: Promise<T>, ms = 1_000): Promise<T> =>
  Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error('no answer from the client')
    }),
  ])
const text = (t: string): { content: [{ type: 'text'; text: string }] } => ({
  content: [{ type: 'text', text: t }],
})

// Built once (docs/performance.md): schemas are not rebuilt per request.
const empty = z.object({})
const promptInput = z.object({ prompt: z.string() })
const messageInput = z.object({ message: z.string() })
const schema2020 = fromJsonSchema({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
})
const customHeaders = fromJsonSchema({
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    query: { type: 'string' },
  },
  required: ['region'],
} as never)
const promptArgs = z.object({ arg1: z.string(), arg2: z.string() })
const embedArgs = z.object({ resourceUri: z.string() })

export function registerConformanceFixtures(server: McpServer): void {
  server.server.registerCapabilities({
    logging: {},
    completions: {},
    resources: { subscribe: true, listChanged: true },
    prompts: { listChanged: true },
  })
  server.registerTool('test_simple_text', { description: 'simple text' }, () =>
    text('This is a simple text response for testing.'),
  )
  server.registerTool('test_image_content', { description: 'image' }, () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }))
  server.registerTool('test_audio_content', { description: 'audio' }, () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }))
  server.registerTool('test_embedded_resource', { description: 'embedded resource' }, () => ({
    content: [
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ],
  }))
  server.registerTool('test_multiple_content_types', { description: 'mixed content' }, () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: '{"test":"data","value":123}',
        },
      },
    ],
  }))
  server.registerTool(
    'test_tool_with_logging',
    { description: 'logs', inputSchema: empty },
    async (_args, ctx) => {
      for (const data of [
        'Tool execution started',
        'Tool processing data',
        'Tool execution completed',
      ]) {
        await ctx.mcpReq.notify({
          method: 'notifications/message',
          params: { level: 'info', data },
        })
        await sleep(20)
      }
      return text('Tool with logging executed successfully')
    },
  )
  server.registerTool(
    'test_tool_with_progress',
    { description: 'progress', inputSchema: empty },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken ?? 0
      for (const progress of [0, 50, 100]) {
        await ctx.mcpReq.notify({
          method: 'notifications/progress',
          params: { progressToken, progress, total: 100, message: `step ${String(progress)}` },
        })
        await sleep(20)
      }
      return text(String(progressToken))
    },
  )
  server.registerTool('test_error_handling', { description: 'error' }, () => {
    throw new Error('This tool intentionally returns an error for testing')
  })
  server.registerTool(
    'test_sampling',
    { description: 'sampling', inputSchema: promptInput },
    async ({ prompt }, ctx) => {
      try {
        const result = (await within(
          ctx.mcpReq.send({
            method: 'sampling/createMessage',
            params: {
              messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
              maxTokens: 100,
            },
          }),
        )) as { content?: { text?: string } }
        return text(`LLM response: ${result.content?.text ?? 'No response'}`)
      } catch (error) {
        return text(
          `Sampling not supported or error: ${error instanceof Error ? error.message : 'unknown'}`,
        )
      }
    },
  )
  const elicit = async (
    ctx: Parameters<Parameters<McpServer['registerTool']>[2]>[1],
    message: string,
    properties: Record<string, unknown>,
  ): Promise<ReturnType<typeof text>> => {
    try {
      const result = (await within(
        ctx.mcpReq.send({
          method: 'elicitation/create',
          params: { message, requestedSchema: { type: 'object', properties, required: [] } },
        }),
      )) as { action?: string; content?: unknown }
      return text(
        `Elicitation completed: action=${String(result.action)}, content=${JSON.stringify(result.content ?? {})}`,
      )
    } catch (error) {
      return text(
        `Elicitation not supported or error: ${error instanceof Error ? error.message : 'unknown'}`,
      )
    }
  }
  server.registerTool(
    'test_elicitation',
    { description: 'elicitation', inputSchema: messageInput },
    ({ message }, ctx) =>
      elicit(ctx as never, message, {
        response: { type: 'string', description: "User's response" },
      }),
  )
  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'defaults', inputSchema: empty },
    (_a, ctx) =>
      elicit(ctx as never, 'Please review and update the form fields with defaults', {
        name: { type: 'string', default: 'John Doe' },
        age: { type: 'integer', default: 30 },
        score: { type: 'number', default: 95.5 },
        status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', default: true },
      }),
  )
  server.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'enums', inputSchema: empty },
    (_a, ctx) =>
      elicit(ctx as never, 'Please select options from the enum fields', {
        untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      }),
  )
  // Raw JSON Schema, so `$schema`, `$defs`, `additionalProperties`, composition and
  // conditional keywords reach `tools/list` unchanged (SEP-1613, SEP-2106).
  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Tool with JSON Schema 2020-12 features', inputSchema: schema2020 },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  )
  // SEP-2243: `region` is mirrored into the `Mcp-Param-Region` header, which the SDK checks.
  server.registerTool(
    'test_custom_headers',
    { description: 'x-mcp-header parameters', inputSchema: customHeaders },
    (args) => text(`custom headers: ${JSON.stringify(args)}`),
  )

  server.registerResource('static-text', 'test://static-text', { mimeType: 'text/plain' }, () => ({
    contents: [
      {
        uri: 'test://static-text',
        mimeType: 'text/plain',
        text: 'This is the content of the static text resource.',
      },
    ],
  }))
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { mimeType: 'image/png' },
    () => ({
      contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
    }),
  )
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { mimeType: 'application/json' },
    (uri, variables) => ({
      contents: [
        {
          uri: uri.toString(),
          mimeType: 'application/json',
          text: JSON.stringify({
            id: variables['id'],
            templateTest: true,
            data: `Data for ID: ${String(variables['id'])}`,
          }),
        },
      ],
    }),
  )
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { mimeType: 'text/plain' },
    () => ({
      contents: [
        {
          uri: 'test://watched-resource',
          mimeType: 'text/plain',
          text: 'Watched resource content',
        },
      ],
    }),
  )
  server.server.setRequestHandler('resources/subscribe', () => ({}))
  server.server.setRequestHandler('resources/unsubscribe', () => ({}))

  server.registerPrompt('test_simple_prompt', { description: 'simple' }, () => ({
    messages: [
      { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
    ],
  }))
  server.registerPrompt(
    'test_prompt_with_arguments',
    { description: 'arguments', argsSchema: promptArgs },
    ({ arg1, arg2 }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  )
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'embedded', argsSchema: embedArgs },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: resourceUri,
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        {
          role: 'user',
          content: { type: 'text', text: 'Please process the embedded resource above.' },
        },
      ],
    }),
  )
  server.registerPrompt('test_prompt_with_image', { description: 'image' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }))
  server.server.setRequestHandler('logging/setLevel', () => ({}))
  server.server.setRequestHandler('completion/complete', () => ({
    completion: { values: [], total: 0, hasMore: false },
  }))
}
