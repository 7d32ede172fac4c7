import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/**
 * Reads one secret line: from a terminal after a prompt, without echo; otherwise the first
 * line of standard input. Secrets never come from argv, where `ps` and shell history see them.
 */
export async function readSecret(
  stdin: NodeJS.ReadableStream,
  stderr: NodeJS.WritableStream,
  prompt: string,
): Promise<string> {
  const terminal = (stdin as { isTTY?: boolean }).isTTY === true
  // Readline echoes what is typed to its output: give it one that discards everything.
  const discard = new Writable({
    write: (_chunk, _encoding, done) => {
      done()
    },
  })
  const reader = createInterface({ input: stdin, output: discard, terminal })
  if (terminal) stderr.write(prompt)
  try {
    return await new Promise<string>((resolve) => {
      reader.once('line', resolve)
      reader.once('close', () => {
        resolve('')
      })
    })
  } finally {
    reader.close()
    if (terminal) stderr.write('\n')
  }
}
