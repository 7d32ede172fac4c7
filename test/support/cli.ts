// Runs the `mandate` CLI from sources in a child process, as a user would; or, for a test's
// setup (not to test a command), its `main` in the test's own process.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { PassThrough, Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

export const MANDATE_BIN = fileURLToPath(
  new URL('../../packages/mandate/src/bin.ts', import.meta.url),
)

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  cwd?: string
  env?: Record<string, string | undefined>
  stdin?: string
  timeoutMs?: number
}

/** The environment the CLI sees: this one without MANDATE_* settings, plus `extra`. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('MANDATE_') || name.startsWith('MANDATE_TEST_')) env[name] = value
  }
  return { ...env, ...extra }
}

export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--conditions=@mandate/source', MANDATE_BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** Runs the CLI to completion. */
export async function runCli(
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const child = spawnCli(args, options)
  return collect(child, options)
}

/**
 * Runs the CLI's `main` in this process, with the same arguments, environment and standard input
 * as `runCli`: a test's setup then pays no Node start-up per command (about 0.6 s of CPU each).
 * Tests of a command itself use `runCli`, which runs it as a person does.
 */
export async function runCliInProcess(
  args: readonly string[],
  options: Pick<CliOptions, 'env' | 'stdin'> = {},
): Promise<CliResult> {
  const { main } = await import('../../packages/mandate/src/cli/main.ts')
  const output = { stdout: '', stderr: '' }
  const sink = (name: keyof typeof output) => {
    const stream = new PassThrough()
    stream.setEncoding('utf8').on('data', (chunk: string) => (output[name] += chunk))
    return stream
  }
  const code = await main(args, {
    stdin: Readable.from([options.stdin ?? '']),
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    env: cliEnv(options.env),
  })
  return { code, signal: null, ...output }
}

export function collect(child: ChildProcess, options: CliOptions = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin?.end(options.stdin ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000) // guards a hang only
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/**
 * Resolves once `mandate serve` listens, with its URL and what it printed on stderr so far
 * (the banner), or rejects when it exits first.
 */
export function waitForListening(
  child: ChildProcess,
  timeoutMs = 180_000, // guards a hang only: a loaded CI machine starts slowly
): Promise<{ url: URL; banner: string }> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => {
      reject(new Error(`server did not start within ${String(timeoutMs)} ms: ${seen}`))
    }, timeoutMs)
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk
      const match = /listening on\s+(\S+)\n/.exec(seen)
      // The banner's last line says how to stop: by then all of it has arrived.
      if (match?.[1] !== undefined && seen.includes('stop with')) {
        clearTimeout(timer)
        resolve({ url: new URL(match[1]), banner: seen })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${String(code)} before listening: ${seen}`))
    })
  })
}
