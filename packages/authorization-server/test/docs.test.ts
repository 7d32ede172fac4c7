// The configuration reference in docs/authorization-server.md matches src/options.ts.
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

void it('every option is documented and every documented option exists', () => {
  const source = readFileSync(new URL('../src/options.ts', import.meta.url), 'utf8')
  const docs = readFileSync(
    new URL('../../../docs/authorization-server.md', import.meta.url),
    'utf8',
  )
  const body = source.slice(source.indexOf('export interface AuthorizationServerOptions'))
  const options = new Set<string>()
  let nested: string | undefined
  for (const line of body.split('\n')) {
    const top = /^ {2}(\w+)\??:/.exec(line)
    const inner = /^ {4}(\w+)\??:/.exec(line)
    if (top?.[1] !== undefined) {
      nested = line.trimEnd().endsWith('{') ? top[1] : undefined
      if (nested === undefined || ['tokenExchange', 'upstream'].includes(top[1]))
        options.add(top[1])
    } else if (
      inner?.[1] !== undefined &&
      nested !== undefined &&
      !['tokenExchange'].includes(nested)
    ) {
      options.add(`${nested}.${inner[1]}`)
    }
  }
  const documented = new Set([...docs.matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1] ?? ''))
  assert.deepEqual([...options].sort(), [...documented].sort())
})
