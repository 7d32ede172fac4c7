import type { Writable } from 'node:stream'

import type { RequestOptions } from '@modelcontextprotocol/client'
import { DEFAULT_REQUEST_TIMEOUT_MSEC } from '@modelcontextprotocol/client'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMandateAuth,
  createMandateClient,
  createMemoryStore,
  createUrlElicitationSupport,
  defaultKeySource,
  openInBrowser,
} from '@mandate/client'
import type { LoopbackAuthorizer, MandateAuth } from '@mandate/client'

import { CONNECT_USAGE, parseConnectArgs } from './parse-connect-args.ts'
import type { ConnectArgs } from './parse-connect-args.ts'
import { openConnectPrompt } from './prompt.ts'
import type { ConnectPrompt } from './prompt.ts'
import { describeError, runConnectSession } from './session.ts'
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
 *
 * @example
 * ```ts
 * const code = await connectCommand(['https://mcp.example.com/mcp', '--no-browser'], {
 *   stdin: process.stdin,
 *   stdout: process.stdout,
 *   stderr: process.stderr,
 *   env: process.env,
 * })
 * ```
 */
export async function connectCommand(argv: readonly string[], io: ConnectIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${CONNECT_USAGE}\n`)
    return 0
  }
  const args = parseConnectArgs(argv, io.env)
  const tty = (io.stdout as Writable & { isTTY?: boolean }).isTTY === true
  const ui = new TerminalUi(io.stdout, tty)
  const open = linkOpener(args, io.env)
  const authorizer = await createLoopbackAuthorizer({
    present: async ({ url }) => {
      ui.authorizationUrl(url, await open(url))
    },
  })
  const prompt = openConnectPrompt(io.stdin, io.stdout, tty, () => void authorizer.close())
  const mandate = signIn(args, authorizer, ui)
  const elicitation = urlElicitation(args, ui, prompt, open)
  // Offers 2026-07-28, falls back to 2025-11-25 (SDK version negotiation, mode 'auto').
  const client = createMandateClient({ name: 'mandate-connect', version: '0.1.0' }, { elicitation })
  // A request that includes a sign-in waits as long as the loopback listener does, plus the
  // SDK's usual limit for the request itself; `quit` aborts it.
  const requestOptions: RequestOptions = {
    timeout: authorizer.timeoutMs + DEFAULT_REQUEST_TIMEOUT_MSEC,
    signal: prompt.quit.signal,
  }
  try {
    await runConnectSession({
      url: args.url,
      client,
      mandate,
      elicitation,
      ui,
      prompt,
      requestOptions,
    })
    return 0
  } catch (error) {
    if (prompt.quit.signal.aborted) return 0
    ui.warn(`error: ${describeError(error)}`)
    return 1
  } finally {
    prompt.rl.close()
    await client.close().catch(() => undefined)
    await authorizer.close()
  }
}

/**
 * Opens a URL in the browser when there is one to open (not with --no-browser, not on a Linux
 * without a display); resolves whether it did, so that the caller prints the URL otherwise.
 */
function linkOpener(args: ConnectArgs, env: ConnectIo['env']): (url: URL) => Promise<boolean> {
  const hasDisplay =
    process.platform !== 'linux' ||
    env['DISPLAY'] !== undefined ||
    env['WAYLAND_DISPLAY'] !== undefined
  const useBrowser = !args.noBrowser && hasDisplay
  return async (url) => {
    if (!useBrowser) return false
    return openInBrowser(url, { allowLoopbackHttp: args.allowLoopback }).then(
      () => true,
      () => false,
    )
  }
}

/** OAuth for the MCP server: credentials kept encrypted (or in memory), DPoP as asked. */
function signIn(args: ConnectArgs, authorizer: LoopbackAuthorizer, ui: TerminalUi): MandateAuth {
  return createMandateAuth({
    serverUrl: args.url,
    authorizer,
    store:
      args.store === 'memory'
        ? createMemoryStore()
        : // The key in the OS keychain when one is reachable, else in a 0600 key file.
          createEncryptedFileStore({ path: args.store, keySource: defaultKeySource(args.store) }),
    clientMetadata: { client_name: 'Mandate CLI (mandate connect)', application_type: 'native' },
    ...(args.clientMetadataUrl === undefined ? {} : { clientMetadataUrl: args.clientMetadataUrl }),
    allowLoopback: args.allowLoopback,
    dpop: args.dpop,
    onStatus: (status) => {
      ui.status(status)
    },
  })
}

/** URL elicitation: domain policy, the consent prompt, opening the link, manual retry. */
function urlElicitation(
  args: ConnectArgs,
  ui: TerminalUi,
  prompt: ConnectPrompt,
  open: (url: URL) => Promise<boolean>,
) {
  return createUrlElicitationSupport({
    serverUrl: args.url,
    policy: { allow: args.allowDomains, deny: args.denyDomains },
    allowLoopback: args.allowLoopback,
    consent: async (request) => {
      ui.consent(request)
      return { approved: await prompt.ask('Open this link in your browser? [y/N] ') }
    },
    open: async (url) => {
      if (!(await open(url))) ui.line(`Open this link yourself: ${url.href}`)
      ui.state('waiting for the server to confirm the browser step…')
    },
    // A server that cannot push the completion notification (stateless serving) is retried
    // when the person says they are done (MCP 2025-11-25: offer manual retry and cancel).
    manualRetry: ({ signal }) => prompt.manualRetry(signal),
    onRefused: (notice) => {
      ui.refused(notice)
    },
  })
}
