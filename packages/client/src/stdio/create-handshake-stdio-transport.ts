import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client'
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/client'

import { launchWithHandshake } from './launch-with-handshake.ts'
import type { LaunchOptions } from './launch-with-handshake.ts'

/**
 * An SDK v2 client {@link Transport} for a local server that expects the Mandate stdio handshake:
 * `await client.connect(createHandshakeStdioTransport({ command, args, accessToken }))`.
 */
export function createHandshakeStdioTransport(options: LaunchOptions): Transport {
  let child: ReturnType<typeof launchWithHandshake> | undefined
  const buffer = new ReadBuffer()
  const transport: Transport = {
    start: () => {
      const started = launchWithHandshake(options)
      child = started
      started.stdout.on('data', (chunk: Buffer) => {
        buffer.append(chunk)
        for (;;) {
          let message: JSONRPCMessage | null
          try {
            message = buffer.readMessage()
          } catch (error) {
            transport.onerror?.(error instanceof Error ? error : new Error('bad message'))
            continue
          }
          if (message === null) break
          transport.onmessage?.(message)
        }
      })
      started.on('error', (error) => transport.onerror?.(error))
      started.on('close', () => transport.onclose?.())
      return Promise.resolve()
    },
    send: (message) =>
      new Promise<void>((resolve, reject) => {
        if (child === undefined) {
          reject(new Error('not started'))
          return
        }
        child.stdin.write(serializeMessage(message), (error) => {
          if (error) reject(error)
          else resolve()
        })
      }),
    close: async () => {
      if (child === undefined) return
      const exiting = child
      child = undefined
      exiting.stdin.end()
      if (exiting.exitCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            exiting.kill('SIGTERM')
          }, 2000)
          exiting.once('close', () => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
  }
  return transport
}
