// The main entry of @mandate/core loads no Node networking module (DNS, sockets, TLS): those
// parts are behind `@mandate/core/node` (issue 19). `node:crypto` stays allowed: the audit hash
// chain, signed payloads and the stylesheet hash use it, and it exists wherever core runs.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const src = fileURLToPath(new URL('../src/', import.meta.url))
const ALLOWED_BUILTINS = new Set(['node:crypto'])

/** Every module specifier reachable from `entry` through relative imports, per file. */
function reachableImports(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>()
  const queue = [entry]
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue
    const text = readFileSync(file, 'utf8')
    const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*'([^'\n]+)'/g)].map(
      (match) => match[1] ?? '',
    )
    seen.set(file, specifiers)
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier))
    }
  }
  return seen
}

function builtins(entry: string): string[] {
  return [...reachableImports(resolve(src, entry)).values()]
    .flat()
    .filter((specifier) => specifier.startsWith('node:'))
}

void describe('@mandate/core entry points', () => {
  void it('the main entry imports no Node networking module', () => {
    const found = builtins('index.ts').filter((specifier) => !ALLOWED_BUILTINS.has(specifier))
    assert.deepEqual(found, [])
  })

  void it('positive control: the node entry does reach node:dns and node:net', () => {
    const found = new Set(builtins('node.ts'))
    assert.ok(found.has('node:dns/promises'))
    assert.ok(found.has('node:net'))
  })

  void it('the package exports the node subpath under the source condition', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { exports: Record<string, Record<string, string> | string> }
    assert.deepEqual(manifest.exports['./node'], {
      '@mandate/source': './src/node.ts',
      types: './dist/node.d.ts',
      default: './dist/node.js',
    })
  })
})
