import { createInterface } from 'node:readline/promises'
import type { Writable } from 'node:stream'

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
  createMemoryStore,
  createUrlElicitationSupport,
  openInBrowser,
} from '@mandate/client'

import { CONNECT_USAGE, parseConnectArgs } from './parse-connect-args.ts'
import { TerminalUi } from './terminal-ui.ts'

/** Streams and environment of one CLI invocation (the shape of the CLI's `CommandIo`). */
export interface ConnectIo {
  stdin: NodeJS.ReadableStream
  stdout: Writable
  stderr: Writable
  env: Readonly<Record<string, string | undefined>>
}

/**
 * `mandate connect <url>`: a small interactive MCP host in the terminal. Signs in with OAuth
 * (browser, or the URL printed with --no-browser), lists tools, calls them with JSON arguments,
 * and handles step-up and URL elicitation with the consent prompt of docs/client.md. Everything
 * it waits for is said on screen.
 */
export async function connectCommand(argv: readonly string[], io: ConnectIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${CONNECT_USAGE}\n`)
    return 0
  }
  const args = parseConnectArgs(argv, io.env)
  const tty = (io.stdout as Writable & { isTTY?: boolean }).isTTY === true
  const ui = new TerminalUi(io.stdout, tty)
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: tty })
  const ask = async (question: string): Promise<boolean> =>
    /^y(es)?$/i.test((await rl.question(question)).trim())
  const hasDisplay =
    process.platform !== 'linux' ||
    io.env['DISPLAY'] !== undefined ||
    io.env['WAYLAND_DISPLAY'] !== undefined
  const useBrowser = !args.noBrowser && hasDisplay

  const authorizer = await createLoopbackAuthorizer({
    present: async ({ url }) => {
      let opened = false
      if (useBrowser) {
        opened = await openInBrowser(url, { allowLoopbackHttp: args.allowLoopback }).then(
          () => true,
          () => false,
        )
      }
      ui.authorizationUrl(url, opened)
    },
  })
  const mandate = createMandateAuth({
    serverUrl: args.url,
    authorizer,
    store:
      args.store === 'memory'
        ? createMemoryStore()
        : createEncryptedFileStore({ path: args.store }),
    clientMetadata: { client_name: 'Mandate CLI (mandate connect)' },
    ...(args.clientMetadataUrl === undefined ? {} : { clientMetadataUrl: args.clientMetadataUrl }),
    allowLoopback: args.allowLoopback,
    dpop: args.dpop,
    onStatus: (status) => {
      ui.status(status)
    },
  })
  const elicitation = createUrlElicitationSupport({
    serverUrl: args.url,
    policy: { allow: args.allowDomains, deny: args.denyDomains },
    allowLoopback: args.allowLoopback,
    consent: async (request) => {
      ui.consent(request)
      return { approved: await ask('Open this link in your browser? [y/N] ') }
    },
    open: async (url) => {
      let opened = false
      if (useBrowser) {
        opened = await openInBrowser(url, { allowLoopbackHttp: args.allowLoopback }).then(
          () => true,
          () => false,
        )
      }
      if (!opened) ui.line(`Open this link yourself: ${url.href}`)
      ui.state('waiting for the server to confirm the browser step…')
    },
    // A server that cannot push the completion notification (stateless serving) is retried
    // when the person says they are done (MCP 2025-11-25: offer manual retry and cancel).
    manualRetry: async ({ signal }) => {
      try {
        const answer = await rl.question(
          'Press Enter when you have finished in the browser (or type "cancel"): ',
          { signal },
        )
        return /^c(ancel)?$/i.test(answer.trim()) ? 'cancel' : 'retry'
      } catch {
        // Withdrawn: the server's completion notification came first.
        return 'retry'
      }
    },
    onRefused: (notice) => {
      ui.refused(notice)
    },
  })

  const client = new Client(
    { name: 'mandate-connect', version: '0.1.0' },
    { capabilities: elicitation.capabilities },
  )
  elicitation.attach(client)
  try {
    ui.state(`connecting to ${args.url}…`)
    await client.connect(
      new StreamableHTTPClientTransport(new URL(args.url), { fetch: mandate.fetch }),
    )
    const info = client.getServerVersion()
    ui.state(`connected to ${info?.name ?? 'server'} ${info?.version ?? ''}`.trimEnd())
    ui.tools((await client.listTools()).tools)
    ui.line('Type "help" for commands.')
    rl.setPrompt('mandate> ')
    rl.prompt()
    for await (const input of rl) {
      const keepGoing = await runLine(input.trim(), client, elicitation, ui)
      if (!keepGoing) break
      rl.prompt()
    }
    return 0
  } catch (error) {
    ui.warn(`error: ${describeError(error)}`)
    return 1
  } finally {
    rl.close()
    await client.close().catch(() => undefined)
    await authorizer.close()
  }
}

async function runLine(
  input: string,
  client: Client,
  elicitation: ReturnType<typeof createUrlElicitationSupport>,
  ui: TerminalUi,
): Promise<boolean> {
  const [command = '', name, ...rest] = input.split(/\s+/)
  try {
    switch (command) {
      case '':
        return true
      case 'quit':
      case 'exit':
        return false
      case 'help':
        ui.line("tools                     list the server's tools")
        ui.line('call <tool> [json-args]   call a tool, e.g. call search {"q": "mcp"}')
        ui.line('quit                      leave')
        return true
      case 'tools':
        ui.tools((await client.listTools()).tools)
        return true
      case 'call': {
        if (name === undefined) {
          ui.warn('usage: call <tool> [json-args]')
          return true
        }
        const raw = rest.join(' ').trim()
        const parsed: unknown = raw === '' ? {} : JSON.parse(raw)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          ui.warn('arguments must be a JSON object')
          return true
        }
        ui.state(`calling ${name}…`)
        ui.result(
          await elicitation.callTool(client, {
            name,
            arguments: parsed as Record<string, unknown>,
          }),
        )
        return true
      }
      default:
        ui.warn(`unknown command "${command}"; type "help"`)
        return true
    }
  } catch (error) {
    ui.warn(`error: ${describeError(error)}`)
    return true
  }
}

function describeError(error: unknown): string {
  if (error instanceof SyntaxError) return 'arguments are not valid JSON'
  if (error instanceof Error) return error.message
  return 'unexpected failure'
}
