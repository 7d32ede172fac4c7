import type { Writable } from 'node:stream'
import { parseArgs } from 'node:util'

import { ConfigurationError } from '@mandate/core'
import {
  createEncryptedFileStore,
  createLoopbackAuthorizer,
  createMemoryStore,
  launchWithHandshake,
  obtainStdioToken,
  openInBrowser,
} from '@mandate/client'

import { defaultStorePath } from '../connect/parse-connect-args.ts'

/** Streams and environment of one CLI invocation (the shape of the CLI's `CommandIo`). */
export interface RunIo {
  stdin: NodeJS.ReadableStream
  stdout: Writable
  stderr: Writable
  env: Readonly<Record<string, string | undefined>>
}

/** `mandate run --help`. */
export const RUN_USAGE = `Usage: mandate run --authorization-server <issuer> --resource <uri> [flags] -- <command> [args…]

Gets an access token for a local (stdio) MCP server, starts it and hands it the token as the
first line on its stdin (docs/stdio.md), never in argv or the environment. Then relays MCP
between this process's stdin/stdout and the server, so a host can launch "mandate run -- …"
as its stdio server. Progress goes to stderr.

Flags:
  --authorization-server <issuer>  the AS that protects the local server
  --resource <uri>                 the local server's resource identifier (its tokens' aud)
  --scope <scopes>                 scopes to ask for
  --no-browser                     print the sign-in URL instead of opening a browser
  --store <file|memory>            encrypted credential file
  --allow-loopback                 development only: allow an http://127.0.0.1 AS`

/** `mandate run -- <server command>`: launch a local MCP server with the stdio handshake. */
export async function runCommand(argv: readonly string[], io: RunIo): Promise<number> {
  const split = argv.indexOf('--')
  const own = split === -1 ? argv : argv.slice(0, split)
  const command = split === -1 ? [] : argv.slice(split + 1)
  if (own.includes('--help') || own.includes('-h')) {
    io.stdout.write(`${RUN_USAGE}\n`)
    return 0
  }
  const { values } = parseArgs({
    args: [...own],
    options: {
      'authorization-server': { type: 'string' },
      resource: { type: 'string' },
      scope: { type: 'string' },
      'no-browser': { type: 'boolean', default: false },
      store: { type: 'string' },
      'allow-loopback': { type: 'boolean', default: false },
    },
  })
  const [program, ...programArgs] = command
  if (program === undefined)
    throw new ConfigurationError('command', 'missing the server command after --')
  const issuer = values['authorization-server']
  const resource = values.resource
  if (issuer === undefined)
    throw new ConfigurationError('authorization-server', 'missing --authorization-server')
  if (resource === undefined) throw new ConfigurationError('resource', 'missing --resource')
  const store = values.store ?? defaultStorePath(io.env)
  const say = (text: string): void => {
    io.stderr.write(`● ${text}\n`)
  }

  const authorizer = await createLoopbackAuthorizer({
    present: async ({ url }) => {
      const opened =
        !values['no-browser'] &&
        (await openInBrowser(url, { allowLoopbackHttp: values['allow-loopback'] }).then(
          () => true,
          () => false,
        ))
      io.stderr.write(
        `${opened ? 'Opened your browser; if nothing happened, open' : 'Open'} this URL to sign in:\n  ${url.href}\n`,
      )
    },
  })
  let accessToken: string
  try {
    say(`getting a token for ${resource} from ${issuer}…`)
    accessToken = await obtainStdioToken({
      authorizationServer: issuer,
      resource,
      ...(values.scope === undefined ? {} : { scope: values.scope }),
      authorizer,
      store: store === 'memory' ? createMemoryStore() : createEncryptedFileStore({ path: store }),
      clientMetadata: { client_name: 'Mandate CLI (mandate run)' },
      allowLoopback: values['allow-loopback'],
      onStatus: (status) => {
        if (status.type === 'waiting-for-browser') say('waiting for you to finish in the browser…')
      },
    })
  } finally {
    await authorizer.close()
  }
  say(`starting ${program}`)
  const child = launchWithHandshake({ command: program, args: programArgs, accessToken })
  io.stdin.pipe(child.stdin)
  child.stdout.pipe(io.stdout)
  return new Promise<number>((resolve) => {
    child.once('error', () => {
      say(`could not start ${program}`)
      resolve(127)
    })
    child.once('close', (code, signal) => {
      io.stdin.unpipe(child.stdin)
      if (signal !== null) say(`${program} ended by ${signal}`)
      resolve(code ?? 1)
    })
  })
}
