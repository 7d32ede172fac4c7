// The newest MCP conformance prerelease (@modelcontextprotocol/conformance 0.2.0-alpha.12,
// installed as `conformance-next`), run as a child process the way CI runs it.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const baseline = join(root, 'test/conformance/expected-failures-next.yaml')
const harness = join(root, 'node_modules/conformance-next/dist/index.js')

export interface Run {
  code: number | null
  text: string
}

/** Runs the harness; `onLine` sees its output as it comes (the interactive AS scenario). */
export async function conformance(args: string[], onLine?: (line: string) => void): Promise<Run> {
  const child = spawn(process.execPath, [harness, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1' },
  })
  let text = ''
  const take = (chunk: Buffer): void => {
    const part = chunk.toString()
    text += part
    for (const line of part.split('\n')) onLine?.(line)
  }
  child.stdout.on('data', take)
  child.stderr.on('data', take)
  const [code] = (await once(child, 'close')) as [number | null]
  return { code, text }
}

/** Output for assertion messages: no token shapes (the test runner scans for them). */
export const redact = (text: string): string => text.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<jwt>')

/** The harness's closing summary of a suite run. */
export const summary = (text: string): string =>
  redact(text.slice(Math.max(0, text.lastIndexOf('SUMMARY') - 8)))

/** Every client scenario the harness knows, from `conformance list --client`. */
export async function clientScenarios(): Promise<string[]> {
  const run = await conformance(['list', '--client'])
  return [...run.text.matchAll(/^\s+- (\S+) \[/gm)].map((match) => match[1] ?? '')
}

/** Calls `task` for every item, at most `limit` at a time, in order of the items. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      results[index] = await task(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
