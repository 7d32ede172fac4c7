// Spawns refresh-worker.ts processes on Node with the same flags as the test runner.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { WorkerConfig } from './refresh-worker.ts'

const WORKER = fileURLToPath(new URL('./refresh-worker.ts', import.meta.url))

export interface Worker {
  child: ChildProcess
  /** Everything the process wrote (stdout and stderr), for the plaintext scan. */
  output(): string
  /** Resolves with the next JSON line on stdout. */
  nextMessage(): Promise<Record<string, unknown>>
  exited: Promise<void>
}

export function startWorker(config: WorkerConfig): Worker {
  const child = spawn(
    process.execPath,
    ['--conditions=@mandate/source', '--disable-warning=ExperimentalWarning', WORKER],
    {
      env: { ...process.env, MANDATE_WORKER: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  let all = ''
  let pending = ''
  const lines: string[] = []
  const waiters: ((line: string) => void)[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk
    pending += chunk
    let index: number
    while ((index = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, index)
      pending = pending.slice(index + 1)
      const waiter = waiters.shift()
      if (waiter === undefined) lines.push(line)
      else waiter(line)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk
  })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve()
    })
  })
  return {
    child,
    output: () => all,
    exited,
    nextMessage: () => {
      const line = lines.shift()
      const text =
        line !== undefined
          ? Promise.resolve(line)
          : new Promise<string>((resolve, reject) => {
              waiters.push(resolve)
              void exited.then(() => {
                reject(new Error(`worker exited: ${all.slice(-2000)}`))
              })
            })
      return text.then((value) => JSON.parse(value) as Record<string, unknown>)
    },
  }
}
