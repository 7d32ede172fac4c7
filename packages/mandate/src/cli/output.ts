import type { Writable } from 'node:stream'

/** Where a command writes: stdout for results, stderr for people (banner, progress, errors). */
export interface CommandIo {
  stdin: NodeJS.ReadableStream
  stdout: Writable
  stderr: Writable
  env: Readonly<Record<string, string | undefined>>
}

/** Writes one line to a command's stream. */
export function line(stream: Writable, text = ''): void {
  stream.write(`${text}\n`)
}
