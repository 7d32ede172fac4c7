import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

// Dependencies point one way (docs/architecture.md): core ← store ← vault ←
// {authorization-server, server} ← gateway ← mandate; client depends only on core.
// Adding an edge is a design decision: change this table in the same commit as the design.
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  '@mandate/core': [],
  '@mandate/store': ['@mandate/core'],
  '@mandate/vault': ['@mandate/core', '@mandate/store'],
  '@mandate/authorization-server': ['@mandate/core', '@mandate/store', '@mandate/vault'],
  '@mandate/server': ['@mandate/core', '@mandate/store', '@mandate/vault'],
  '@mandate/gateway': [
    '@mandate/core',
    '@mandate/store',
    '@mandate/vault',
    '@mandate/authorization-server',
    '@mandate/server',
  ],
  '@mandate/client': ['@mandate/core'],
  // The CLI composes everything; `mandate connect`/`run` use the client; the demo mounts the example.
  mandate: [
    '@mandate/core',
    '@mandate/store',
    '@mandate/vault',
    '@mandate/authorization-server',
    '@mandate/server',
    '@mandate/gateway',
    '@mandate/client',
    '@mandate/example-notes-server',
  ],
  '@mandate/example-notes-server': ['@mandate/core', '@mandate/server', '@mandate/vault'],
}

const root = fileURLToPath(new URL('..', import.meta.url))

interface Workspace {
  name: string
  dir: string
  declared: string[]
}

function workspaces(): Workspace[] {
  return ['packages', 'examples'].flatMap((group) => {
    const base = join(root, group)
    return readdirSync(base)
      .map((entry) => join(base, entry))
      .filter((dir) => statSync(join(dir, 'package.json'), { throwIfNoEntry: false }) !== undefined)
      .map((dir) => {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name: string
          dependencies?: Record<string, string>
          peerDependencies?: Record<string, string>
          optionalDependencies?: Record<string, string>
        }
        const declared = Object.keys({
          ...manifest.dependencies,
          ...manifest.peerDependencies,
          ...manifest.optionalDependencies,
        }).filter(isInternal)
        return { name: manifest.name, dir, declared }
      })
  })
}

function forbiddenEdges(list: readonly Workspace[]): string[] {
  return list.flatMap(({ name, declared }) =>
    declared
      .filter((dependency) => !(ALLOWED[name] ?? []).includes(dependency))
      .map((dependency) => `${name} -> ${dependency}`),
  )
}

function isInternal(name: string): boolean {
  return name.startsWith('@mandate/') || name === 'mandate'
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file))
    .map((file) => join(dir, file))
}

function importedPackages(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const found = new Set<string>()
  for (const match of text.matchAll(
    /(?:from|import)\s*\(?\s*'(@mandate\/[\w-]+|mandate)(?:\/[^']*)?'/g,
  )) {
    found.add(match[1]!)
  }
  return [...found]
}

describe('package graph', () => {
  const all = workspaces()

  it('knows every workspace package', () => {
    for (const { name } of all) assert.ok(name in ALLOWED, `${name} is not in the allowed graph`)
  })

  it('has no forbidden edge between declared dependencies', () => {
    assert.deepEqual(forbiddenEdges(all), [])
  })

  for (const { name, declared, dir } of all) {
    it(`${name} source imports only the internal packages it declares`, () => {
      const src = join(dir, 'src')
      if (statSync(src, { throwIfNoEntry: false }) === undefined) return
      const undeclared = sourceFiles(src).flatMap((file) =>
        importedPackages(file)
          .filter((imported) => imported !== name && !declared.includes(imported))
          .map((imported) => `${file.slice(root.length)} imports ${imported}`),
      )
      assert.deepEqual(undeclared, [])
    })
  }

  it('reports a forbidden edge (the check itself works)', () => {
    const upward = [
      { name: '@mandate/core', dir: '', declared: ['@mandate/store'] },
      { name: '@mandate/client', dir: '', declared: ['@mandate/core', '@mandate/vault'] },
    ]
    assert.deepEqual(forbiddenEdges(upward), [
      '@mandate/core -> @mandate/store',
      '@mandate/client -> @mandate/vault',
    ])
  })
})
