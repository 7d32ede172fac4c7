import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

// docs/architecture.md is the newcomer's map: everything it names must exist. This checks
// - the package tree (the fenced block starting at `packages/`): every entry, as a path built
//   from its indentation (`packages/` → `core/` → `src/errors.ts`), and every workspace package
//   must appear in it;
// - every path written inline (in backticks, or in the tree's descriptions) that starts with a
//   top-level folder of the repository, and every backticked `src/…` path (under some package);
// - every `@mandate/…` package name and subpath (`@mandate/core/node`): a workspace package and
//   one of its `exports`;
// - the dependency table: exactly the internal dependencies the package.json files declare.

const root = fileURLToPath(new URL('..', import.meta.url))
const DOC = 'docs/architecture.md'
const TOP_LEVEL = ['packages', 'examples', 'docs', 'test', 'bench', 'scripts']
/** `@mandate/source` is the export condition of sources (CONTRIBUTING.md), not a package. */
const NOT_PACKAGES = new Set(['@mandate/source'])

interface Workspace {
  name: string
  /** e.g. `packages/core` */
  dir: string
  exports: string[]
  internal: string[]
}

function workspaces(base: string): Workspace[] {
  return ['packages', 'examples'].flatMap((group) =>
    readdirSync(join(base, group))
      .filter((entry) => existsSync(join(base, group, entry, 'package.json')))
      .map((entry) => {
        const manifest = JSON.parse(
          readFileSync(join(base, group, entry, 'package.json'), 'utf8'),
        ) as { name: string; exports?: Record<string, unknown>; dependencies?: object }
        return {
          name: manifest.name,
          dir: `${group}/${entry}`,
          exports: Object.keys(manifest.exports ?? { '.': '' }),
          internal: Object.keys(manifest.dependencies ?? {}).filter(
            (dependency) => dependency.startsWith('@mandate/') || dependency === 'mandate',
          ),
        }
      }),
  )
}

/** Whether a path exists; `dir/` must be a directory. */
type Exists = (path: string) => boolean

const onDisk =
  (base: string): Exists =>
  (path) => {
    const stats = statSync(join(base, path), { throwIfNoEntry: false })
    return stats !== undefined && (!path.endsWith('/') || stats.isDirectory())
  }

const PATH_TOKEN = /^[\w.@-]+(?:\/[\w.@-]+)*\/?$/
const looksLikePath = (token: string) =>
  PATH_TOKEN.test(token) && (token.endsWith('/') || /\.(ts|tsx|md|json)$/.test(token))

/** Entries of the package tree: the first word of each line, nested by indentation. */
function treePaths(doc: string): string[] {
  const block = /```\n(packages\/\n[\s\S]*?)```/.exec(doc)?.[1]
  if (block === undefined) return ['(no package tree starting at packages/ found)']
  const found: string[] = []
  const stack: { indent: number; path: string }[] = []
  for (const line of block.split('\n')) {
    const match = /^( *)(\S+)/.exec(line)
    if (match === null) continue
    const indent = match[1]!.length
    const token = match[2]!
    if (!looksLikePath(token)) continue // a description wrapped onto its own line
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop()
    const path = `${stack[stack.length - 1]?.path ?? ''}${token}`
    found.push(path)
    if (token.endsWith('/')) stack.push({ indent, path })
  }
  return found
}

/** Paths written anywhere: repository-relative ones, and backticked `src/…` ones. */
function inlinePaths(doc: string): { repository: string[]; source: string[] } {
  const repository = new Set<string>()
  const source = new Set<string>()
  for (const [, token] of doc.matchAll(/(?<![\w/.@-])((?:[\w.@-]+\/)+[\w.@-]*)/g)) {
    const path = token!.replace(/[.]+$/, '')
    const top = path.split('/')[0]!
    if (TOP_LEVEL.includes(top) && path !== `${top}/`) repository.add(path)
  }
  for (const [, token] of doc.matchAll(/`([^`\s]+)`/g)) {
    if (token!.startsWith('src/') && looksLikePath(token!)) source.add(token!)
  }
  return { repository: [...repository], source: [...source] }
}

function packageNames(doc: string): string[] {
  return [...new Set([...doc.matchAll(/@mandate\/[\w-]+(?:\/[\w-]+)?/g)].map(([name]) => name))]
}

/** The rows of the dependency table: package → its internal dependencies. */
function dependencyTable(doc: string): Map<string, string[]> {
  const table = new Map<string, string[]>()
  for (const [, name, cell] of doc.matchAll(/^\| `(@mandate\/[\w-]+|mandate)` \| ([^|]*) \|$/gm)) {
    const listed = [...cell!.matchAll(/`(@mandate\/[\w-]+)`/g)].map(([, dependency]) => dependency!)
    table.set(name!, /every package above/.test(cell!) ? ['*'] : listed)
  }
  return table
}

/** Everything the doc names that does not exist, one line each. */
function missingNames(doc: string, exists: Exists, list: readonly Workspace[]): string[] {
  const problems: string[] = []
  const tree = treePaths(doc)
  for (const path of tree) if (!exists(path)) problems.push(`tree: ${path}`)
  for (const { dir } of list) {
    if (!tree.includes(`${dir}/`)) problems.push(`tree: workspace ${dir}/ is not in the tree`)
  }
  const { repository, source } = inlinePaths(doc)
  for (const path of repository) if (!exists(path)) problems.push(`path: ${path}`)
  for (const path of source) {
    if (!list.some(({ dir }) => exists(`${dir}/${path}`))) problems.push(`source: ${path}`)
  }
  for (const name of packageNames(doc)) {
    if (NOT_PACKAGES.has(name)) continue
    const owner = list.find((w) => name === w.name || name.startsWith(`${w.name}/`))
    const subpath = owner === undefined ? '' : `.${name.slice(owner.name.length)}`
    if (owner === undefined || !owner.exports.includes(subpath)) problems.push(`package: ${name}`)
  }
  return problems
}

function tableMismatches(doc: string, list: readonly Workspace[]): string[] {
  const table = dependencyTable(doc)
  return list.flatMap(({ name, internal }) => {
    const documented = table.get(name)
    if (documented === undefined) return [`${name}: no row in the dependency table`]
    if (documented[0] === '*') {
      const others = list.map((w) => w.name).filter((other) => other !== name)
      return others.every((other) => internal.includes(other))
        ? []
        : [`${name}: "every package above" but declares ${internal.join(', ')}`]
    }
    const want = [...internal].sort().join(', ')
    const have = [...documented].sort().join(', ')
    return want === have ? [] : [`${name}: table says [${have}], package.json [${want}]`]
  })
}

describe(DOC, () => {
  const doc = readFileSync(join(root, DOC), 'utf8')
  const list = workspaces(root)

  it('names only packages, folders and source paths that exist', () => {
    assert.deepEqual(missingNames(doc, onDisk(root), list), [])
  })

  it('lists every workspace package with the internal dependencies it declares', () => {
    assert.deepEqual(tableMismatches(doc, list), [])
  })

  it('reads the tree, inline paths and package names (the parsers find what is there)', () => {
    const tree = treePaths(doc)
    assert.ok(tree.includes('packages/core/src/node.ts'), 'a file nested two levels deep')
    assert.ok(tree.includes('examples/notes-server/'), 'a second top-level group')
    assert.ok(inlinePaths(doc).repository.includes('packages/mandate/src/bin.ts'))
    assert.ok(packageNames(doc).includes('@mandate/server/linking'))
    assert.equal(dependencyTable(doc).size, list.length)
  })

  it('catches a planted missing path, package, subpath and dependency (the check itself works)', () => {
    const planted = [
      '```',
      'packages/',
      '  core/                  @mandate/core',
      '    src/errors.ts          exists',
      '    src/no-such-file.ts    planted',
      '  nosuch/                @mandate/nosuch — planted',
      '```',
      'See `packages/core/src/gone.ts`, `src/imaginary/`, docs/missing.md, `@mandate/core/nope`.',
      '| `@mandate/core` | `@mandate/nosuch` |',
    ].join('\n')
    const core = list.filter(({ name }) => name === '@mandate/core')
    assert.deepEqual(missingNames(planted, onDisk(root), core), [
      'tree: packages/core/src/no-such-file.ts',
      'tree: packages/nosuch/',
      'path: packages/core/src/gone.ts',
      'path: docs/missing.md',
      'source: src/imaginary/',
      'package: @mandate/nosuch',
      'package: @mandate/core/nope',
    ])
    assert.deepEqual(tableMismatches(planted, core), [
      '@mandate/core: table says [@mandate/nosuch], package.json []',
    ])
    // ...and the same lines naming what exists pass (positive control).
    const real = planted
      .split('\n')
      .filter((line) => !/planted|gone|nosuch/.test(line))
      .join('\n')
      .concat('\n| `@mandate/core` | — |')
    assert.deepEqual(missingNames(real, onDisk(root), core), [])
    assert.deepEqual(tableMismatches(real, core), [])
  })
})
