// The conformance client, built on @mandate/client the way a host would use it. The harness's
// authorization server redirects straight back, so the "browser" here is a fetch that reads the
// redirect; everything else (discovery, checks, registration, PKCE, step-up) is the library's.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { Authorizer } from '@mandate/client'
import { createMandateAuth, createMemoryStore, createUrlElicitationSupport } from '@mandate/client'

const CIMD_URL = 'https://conformance-test.local/client-metadata.json'

interface ConformanceContext {
  client_id?: string
  client_secret?: string
}

export async function main(argv: string[]): Promise<number> {
  const serverUrl = argv.at(-1)
  if (serverUrl === undefined) throw new Error('usage: client <server-url>')
  const scenario = process.env['MCP_CONFORMANCE_SCENARIO'] ?? ''
  if (scenario.startsWith('auth/')) return runAuth(serverUrl, scenario)
  if (scenario.startsWith('elicitation')) return runElicitation(serverUrl)
  return runBasic(serverUrl)
}

async function runBasic(serverUrl: string): Promise<number> {
  const client = new Client({ name: 'mandate-conformance', version: '0.1.0' }, { capabilities: {} })
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl))
  await client.connect(transport)
  const { tools } = await client.listTools()
  for (const tool of tools) {
    if (tool.name === 'add_numbers')
      await client.callTool({ name: tool.name, arguments: { a: 5, b: 3 } })
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
    allowLegacyDiscovery: scenario.startsWith('auth/2025-03-26'),
    onStatus: (status) => {
      process.stderr.write(`[mandate] ${status.type}\n`)
    },
  })
  const client = new Client({ name: 'mandate-conformance', version: '0.1.0' }, { capabilities: {} })
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: mandate.fetch })
  await client.connect(transport)
  await client.listTools()
  await client.callTool({ name: 'test-tool', arguments: {} })
  await transport.close()
  return 0
}
