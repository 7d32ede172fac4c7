import type { Client, RequestOptions } from '@modelcontextprotocol/client'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import type { createUrlElicitationSupport, MandateAuth } from '@mandate/client'
import type { ConnectPrompt } from './prompt.ts'
import type { TerminalUi } from './terminal-ui.ts'

type UrlElicitationSupport = ReturnType<typeof createUrlElicitationSupport>

/** What one `mandate connect` session works with, built once by the command. */
export interface ConnectSession {
  url: string
  client: Client
  mandate: MandateAuth
  elicitation: UrlElicitationSupport
  ui: TerminalUi
  prompt: ConnectPrompt
  requestOptions: RequestOptions
}

/**
 * Connects (signing in when the server asks), lists the tools, then reads commands until
 * `quit` or the end of input. Errors of a single command are shown and the session goes on;
 * a failure to connect throws.
 */
export async function runConnectSession(session: ConnectSession): Promise<void> {
  const { client, ui, prompt, requestOptions } = session
  ui.state(`connecting to ${session.url}…`)
  await client.connect(
    new StreamableHTTPClientTransport(new URL(session.url), { fetch: session.mandate.fetch }),
    requestOptions,
  )
  const info = client.getServerVersion()
  ui.state(
    `connected to ${info?.name ?? 'server'} ${info?.version ?? ''}`.trimEnd() +
      ` (MCP ${client.getNegotiatedProtocolVersion() ?? 'unknown'})`,
  )
  ui.tools((await client.listTools(undefined, requestOptions)).tools)
  ui.line('Type "help" for commands.')
  prompt.rl.setPrompt('mandate> ')
  prompt.busy = false
  prompt.rl.prompt()
  for await (const input of prompt.rl) {
    prompt.busy = true
    const keepGoing = await runLine(input.trim(), session)
    prompt.busy = false
    if (!keepGoing || prompt.quit.signal.aborted) break
    prompt.rl.prompt()
  }
}

/** One command line; false ends the session. */
async function runLine(input: string, session: ConnectSession): Promise<boolean> {
  const { client, ui, requestOptions } = session
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
        ui.tools((await client.listTools(undefined, requestOptions)).tools)
        return true
      case 'call':
        await callTool(session, name, rest.join(' ').trim())
        return true
      default:
        ui.warn(`unknown command "${command}"; type "help"`)
        return true
    }
  } catch (error) {
    if (requestOptions.signal?.aborted === true) return false
    ui.warn(`error: ${describeError(error)}`)
    return true
  }
}

/** `call <tool> [json-args]`, through the URL-elicitation support (consent, retry). */
async function callTool(session: ConnectSession, name: string | undefined, raw: string) {
  const { ui } = session
  if (name === undefined) {
    ui.warn('usage: call <tool> [json-args]')
    return
  }
  const parsed: unknown = raw === '' ? {} : JSON.parse(raw)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    ui.warn('arguments must be a JSON object')
    return
  }
  ui.state(`calling ${name}…`)
  ui.result(
    await session.elicitation.callTool(
      session.client,
      { name, arguments: parsed as Record<string, unknown> },
      session.requestOptions,
    ),
  )
}

/** A short, secret-free line for an error. */
export function describeError(error: unknown): string {
  if (error instanceof SyntaxError) return 'arguments are not valid JSON'
  if (error instanceof Error) return error.message
  return 'unexpected failure'
}
