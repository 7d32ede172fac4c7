import { createInterface } from 'node:readline/promises'
import type { Interface } from 'node:readline/promises'
import type { Writable } from 'node:stream'

/**
 * The terminal prompt of `mandate connect`, with a `quit` that works at once, also while a
 * request or a sign-in is still waiting: it aborts the request (`quit.signal`) and runs `onQuit`
 * (which closes the loopback listener, so that a pending sign-in fails at once).
 */
export interface ConnectPrompt {
  readonly rl: Interface
  readonly quit: AbortController
  /** True while a request runs: a `quit` line then ends it instead of waiting for the prompt. */
  busy: boolean
  requestQuit(): void
  /** Asks a yes/no question; only `y`/`yes` is yes. */
  ask(question: string): Promise<boolean>
  /**
   * MCP 2025-11-25 manual retry: waits for Enter (retry) or `cancel`; withdrawn through
   * `signal` when the server's completion notification comes first.
   */
  manualRetry(signal: AbortSignal): Promise<'retry' | 'cancel'>
}

/** Opens the prompt on the command's streams; `onQuit` runs once, on the first `quit`. */
export function openConnectPrompt(
  input: NodeJS.ReadableStream,
  output: Writable,
  terminal: boolean,
  onQuit: () => void,
): ConnectPrompt {
  const rl = createInterface({ input, output, terminal })
  const quit = new AbortController()
  const requestQuit = (): void => {
    if (quit.signal.aborted) return
    quit.abort()
    onQuit()
  }
  const prompt: ConnectPrompt = {
    rl,
    quit,
    busy: true,
    requestQuit,
    ask: async (question) => {
      const answer = (await rl.question(question)).trim()
      if (isQuit(answer)) requestQuit()
      return /^y(es)?$/i.test(answer)
    },
    manualRetry: async (signal) => {
      try {
        const answer = await rl.question(
          'Press Enter when you have finished in the browser (or type "cancel"): ',
          { signal },
        )
        if (isQuit(answer)) requestQuit()
        return /^c(ancel)?$/i.test(answer.trim()) || isQuit(answer) ? 'cancel' : 'retry'
      } catch {
        // Withdrawn: the server's completion notification came first.
        return 'retry'
      }
    },
  }
  rl.on('line', (line) => {
    if (prompt.busy && isQuit(line)) requestQuit()
  })
  rl.on('SIGINT', requestQuit)
  rl.on('close', requestQuit)
  return prompt
}

/** `quit` or `exit`, in any case. */
export function isQuit(line: string): boolean {
  return /^(quit|exit)$/i.test(line.trim())
}
