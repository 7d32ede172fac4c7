import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

import { ClientError } from '../errors.ts'

/** The STDIO server to start and the token to hand it through the handshake. */
export interface LaunchOptions {
  command: string
  args?: readonly string[]
  /** The access token for this server; written to its stdin, never to argv or the environment. */
  accessToken: string
  cwd?: string
  /** The child's environment. Default: this process's, minus nothing added by Mandate. */
  env?: NodeJS.ProcessEnv
  /** Where the child's stderr goes. Default `inherit`. */
  stderr?: 'inherit' | 'ignore'
}

/** The handshake line of docs/stdio.md. */
export function formatStdioHandshake(accessToken: string): string {
  return `${JSON.stringify({ mandate: 'stdio-handshake/1', access_token: accessToken })}\n`
}

/**
 * Starts a local MCP server without a shell and writes the Mandate stdio handshake as the first
 * line of its stdin, before any MCP message; the token never appears in argv (visible in `ps`)
 * or in the environment (inherited by every grandchild). The caller speaks MCP on the returned
 * child's stdin/stdout afterwards.
 */
export function launchWithHandshake(
  options: LaunchOptions,
): ChildProcessByStdio<Writable, Readable, null> {
  if (options.accessToken.includes('\n'))
    throw new ClientError('ERR_CLIENT_HANDSHAKE', 'malformed access token')
  const child = spawn(options.command, options.args ?? [], {
    shell: false,
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env ?? process.env,
  })
  child.stdin.write(formatStdioHandshake(options.accessToken))
  return child
}
