// The conformance client, built on @mandate/client the way a host would use it. The harness's
// authorization server redirects straight back, so the "browser" here is a fetch that reads the
// redirect; everything else (discovery, checks, registration, PKCE, step-up) is the library's.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { Authorizer } from '@mandate/client'
import {
  createMandateAuth,
  createMemoryStore,
  createUrlElicitationSupport,
  guardedDiscoveryFetch,
} from '@mandate/client'
import { EXTENSION_SCENARIOS, runExtension } from './client-extensions.ts'

const CIMD_URL = 'https://conformance-test.local/client-metadata.json'

interface ConformanceContext {
  client_id?: string
  client_secret?: string
}

export async function main(argv: string[]): Promise<number> {
  const serverUrl = argv.at(-1)
  if (serverUrl === undefined) throw new Error('usage: client <server-url>')
  const scenario = process.env['MCP_CONFORMANCE_SCENARIO'] ?? ''
  if (EXTENSION_SCENARIOS.has(scenario)) return runExtension(serverUrl, scenario)
  if (scenario.startsWith('auth/')) return runAuth(serverUrl, scenario)
  if (scenario.startsWith('elicitation')) return runElicitation(serverUrl)
  return runBasic(serverUrl)
}

async function runBasic(serverUrl: string): Promise<number> {
  const context = JSON.parse(process.env['MCP_CONFORMANCE_CONTEXT'] ?? '{}') as {
    toolCalls?: { name: string; arguments: Record<string, unknown> }[]
  }
  // `auto`: 2025-era servers get `initialize`, 2026-07-28 servers the per-request envelope.
  const client = new Client(
    { name: 'mandate-conformance', version: '0.1.0' },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' } },
  )
  // MRTR (SEP-2322): the SDK retries an `input_required` call with these answers.
  createUrlElicitationSupport({
    serverUrl,
    consent: () => Promise.resolve({ approved: false }),
    form: () => Promise.resolve({ action: 'accept', content: { confirmed: true } }),
  }).attach(client)
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl))
  await client.connect(transport)
  const { tools } = await client.listTools()
  for (const call of context.toolCalls ?? []) await client.callTool(call)
  // allSettled: the server side of one MRTR probe omits `resultType`, which the SDK refuses.
  await Promise.allSettled(
    tools
      .filter((tool) => tool.name.startsWith('test_mrtr_'))
      .map((tool) => client.callTool({ name: tool.name, arguments: {} })),
  )
  for (const tool of tools) {
    if (tool.name === 'add_numbers')
      await client.callTool({ name: tool.name, arguments: { a: 5, b: 3 } })
    if (tool.name === 'valid_tool' || tool.name === 'test_reconnection')
      await client.callTool({ name: tool.name, arguments: {} })
  }
  // JSON Schema 2020-12 preservation: hand back the schema exactly as it was received.
  const focal = tools.find((tool) => tool.name === 'json_schema_2020_12_tool')
  const echo = tools.find((tool) => tool.name !== focal?.name && /echo/.test(tool.name))
  if (focal !== undefined && echo !== undefined) {
    await client.callTool({ name: echo.name, arguments: { schema: focal.inputSchema } })
  }
  await transport.close()
  return 0
}

async function runElicitation(serverUrl: string): Promise<number> {
  const support = createUrlElicitationSupport({
    serverUrl,
    consent: () => Promise.resolve({ approved: false }),
    form: () => Promise.resolve({ action: 'accept', content: {} }),
  })
  const client = new Client(
    { name: 'mandate-conformance', version: '0.1.0' },
    { capabilities: { elicitation: { form: { applyDefaults: true }, url: {} } } },
  )
  support.attach(client)
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl))
  await client.connect(transport)
  const { tools } = await client.listTools()
  for (const tool of tools) await client.callTool({ name: tool.name, arguments: {} })
  await transport.close()
  return 0
}

/** Follows the authorization redirect like a browser whose user consents at once. */
const headlessAuthorizer: Authorizer = {
  redirectUrl: 'http://localhost:3000/callback',
  authorize: async ({ url }) => {
    const response = await fetch(url, { redirect: 'manual' })
    const location = response.headers.get('location')
    await response.body?.cancel()
    if (location === null) throw new Error(`authorization endpoint answered ${response.status}`)
    return new URL(location, url).searchParams
  },
}

async function runAuth(serverUrl: string, scenario: string): Promise<number> {
  const context = JSON.parse(process.env['MCP_CONFORMANCE_CONTEXT'] ?? '{}') as ConformanceContext
  const mandate = createMandateAuth({
    serverUrl,
    authorizer: headlessAuthorizer,
    store: createMemoryStore(),
    clientMetadata: { client_name: 'mandate-conformance' },
    clientMetadataUrl: CIMD_URL,
    ...(context.client_id === undefined
      ? {}
      : {
          preRegistered: {
            client_id: context.client_id,
            ...(context.client_secret === undefined
              ? {}
              : { client_secret: context.client_secret }),
          },
        }),
    // The harness runs on loopback http; 2025-03-26 scenarios have no resource metadata.
    allowLoopback: true,
    // The harness starts every scenario's client at once: on a loaded 2-core machine its mock
    // servers can take longer than the 10 s default to answer (a timeout only stops a hang).
    discoveryFetch: guardedDiscoveryFetch({ allowLoopback: true, timeoutMs: 120_000 }),
    allowLegacyDiscovery: scenario.startsWith('auth/2025-03-26'),
    onStatus: (status) => {
      process.stderr.write(`[mandate] ${status.type}\n`)
    },
  })
  // `auto`: 2026-07-28 scenarios (e.g. SEP-2352's migration) refuse `initialize`.
  const client = new Client(
    { name: 'mandate-conformance', version: '0.1.0' },
    { capabilities: {}, versionNegotiation: { mode: 'auto' } },
  )
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: mandate.fetch })
  await client.connect(transport)
  await client.listTools()
  await client.callTool({ name: 'test-tool', arguments: {} })
  await transport.close()
  return 0
}
