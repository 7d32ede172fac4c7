import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client'
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/client'
import { GatewayError } from '../gateway-error.ts'

/** The process to start and the token its handshake carries. */
export interface HandshakeLaunch {
  command: string
  args: readonly string[]
  env: Record<string, string>
  cwd?: string
  accessToken: string
}

type Child = ChildProcessByStdio<Writable, Readable, null>

// docs/stdio.md: at most 16 KiB including the newline.
const MAX_LINE = 16 * 1024

/** The handshake line of docs/stdio.md (`stdio-handshake/1`). */
function handshakeLine(accessToken: string): string {
  const line = `${JSON.stringify({ mandate: 'stdio-handshake/1', access_token: accessToken })}\n`
  if (accessToken.includes('\n') || Buffer.byteLength(line) > MAX_LINE) {
    throw new GatewayError('ERR_GATEWAY_HANDSHAKE', 'token does not fit the stdio handshake')
  }
  return line
}

/**
 * An SDK v2 client transport for a stdio upstream built with `serveStdioWithHandshake`: starts
 * the process without a shell, writes the exchanged token as the first line of its stdin
 * (docs/stdio.md), then speaks newline-delimited JSON-RPC. The token is never in the process's
 * argv (`ps`) or environment (inherited by grandchildren, crash dumps).
 */
export function handshakeStdioTransport(launch: HandshakeLaunch): Transport {
  const line = handshakeLine(launch.accessToken)
  let child: Child | undefined
  const buffer = new ReadBuffer()
  const transport: Transport = {
    start: () => {
      const started = spawn(launch.command, [...launch.args], {
        shell: false,
        stdio: ['pipe', 'pipe', 'ignore'],
        env: launch.env,
        ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }),
      })
      child = started
      started.stdin.on('error', (error) => transport.onerror?.(error))
      started.stdin.write(line)
      started.stdout.on('data', (chunk: Buffer) => {
        buffer.append(chunk)
        read(buffer, transport)
      })
      started.on('error', (error) => transport.onerror?.(error))
      started.on('close', () => {
        child = undefined
        transport.onclose?.()
      })
      return Promise.resolve()
    },
    send: (message) =>
      new Promise<void>((resolve, reject) => {
        if (child === undefined) {
          reject(new GatewayError('ERR_GATEWAY_UPSTREAM_CLOSED', 'upstream process ended'))
          return
        }
        child.stdin.write(serializeMessage(message), (error) => {
          if (error) reject(error)
          else resolve()
        })
      }),
    close: () => stop(child),
  }
  return transport
}

function read(buffer: ReadBuffer, transport: Transport): void {
  for (;;) {
    let message: JSONRPCMessage | null
    try {
      message = buffer.readMessage()
    } catch (error) {
      transport.onerror?.(error instanceof Error ? error : new Error('bad upstream message'))
      continue
    }
    if (message === null) return
    transport.onmessage?.(message)
  }
}

/** Ends stdin, then stops the process if it did not exit by itself. */
async function stop(child: Child | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  child.stdin.end()
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), 2000)
    child.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
