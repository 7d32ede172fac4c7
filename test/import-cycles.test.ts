import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// No import cycle between source files (issue 19): a cycle means two files are one concern
// split in two, and makes module initialisation order matter. Type-only imports count too: they
// tie the files together just as much for a reader, and a later value import turns them into a
// runtime cycle without anyone noticing.

const root = fileURLToPath(new URL('..', import.meta.url))

/** file (relative to the repository) → the files it imports, relatively, in the same tree. */
type ImportGraph = ReadonlyMap<string, readonly string[]>

function sourceFiles(): string[] {
  return ['packages', 'examples'].flatMap((group) =>
    readdirSync(join(root, group)).flatMap((entry) => {
      const src = join(root, group, entry, 'src')
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory() !== true) return []
      return readdirSync(src, { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'))
        .map((file) => relative(root, join(src, file)))
    }),
  )
}

/** Every module specifier of a file: static imports and re-exports, `import()`, `import x =`. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text)
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text)
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text)
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
        found.push(argument.literal.text)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** The file a relative specifier names, among the known files (`.js` written for `.ts` too). */
function resolveRelative(from: string, specifier: string, known: ReadonlySet<string>) {
  const base = relative(root, resolve(root, dirname(from), specifier))
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.jsx$/, '.tsx'),
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ]
  return candidates.find((candidate) => known.has(candidate))
}

function importGraph(files: readonly string[]): ImportGraph {
  const known = new Set(files)
  return new Map(
    files.map((file) => [
      file,
      specifiers(file)
        .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
        .flatMap((specifier) => resolveRelative(file, specifier, known) ?? []),
    ]),
  )
}

/**
 * One cycle per strongly connected component with more than one file (or a file importing
 * itself), each written `a -> b -> … -> a`, starting at its alphabetically first file, followed
 * by the component's other files when the cycle does not pass through all of them.
 * Tarjan's algorithm finds the components; a breadth-first search inside one names a shortest
 * cycle through its first file.
 */
function findCycles(graph: ImportGraph): string[] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  let counter = 0
  const connect = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter)
    counter += 1
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string | undefined
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    components.push(component)
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node)
  return components
    .filter((c) => c.length > 1 || (graph.get(c[0]!) ?? []).includes(c[0]!))
    .map((component) => {
      const cycle = shortestCycle(graph, new Set(component))
      const others = component.filter((file) => !cycle.includes(file)).sort()
      const rest = others.length === 0 ? '' : ` (same tangle: ${others.join(', ')})`
      return `${cycle.join(' -> ')}${rest}`
    })
    .sort()
}

function shortestCycle(graph: ImportGraph, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!
  const previous = new Map<string, string>()
  const queue = [start]
  for (let at = 0; at < queue.length; at += 1) {
    const node = queue[at]!
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue
      if (next === start) {
        const path = [node]
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!)
        return [...path, start]
      }
      if (!previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return [start, start]
}

describe('import cycles', () => {
  const files = sourceFiles()

  it('reads the source files of every package and example', () => {
    assert.ok(files.some((file) => file.startsWith('packages/core/src/')))
    assert.ok(files.some((file) => file.startsWith('packages/mandate/src/')))
    assert.ok(files.some((file) => file.startsWith('examples/notes-server/src/')))
  })

  it('resolves relative imports (the graph is not empty)', () => {
    const graph = importGraph(files)
    const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0)
    assert.ok(edges > files.length / 2, `only ${String(edges)} relative imports found`)
    assert.ok(
      graph.get('packages/mandate/src/bin.ts')?.includes('packages/mandate/src/cli/main.ts'),
    )
  })

  it('has no cycle of relative imports in packages/*/src and examples/*/src', () => {
    assert.deepEqual(findCycles(importGraph(files)), [])
  })

  it('finds a planted cycle and names it (the check itself works)', () => {
    const planted: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
      ['f.ts', ['a.ts', 'd.ts']],
      ['g.ts', ['h.ts']],
      ['h.ts', ['g.ts', 'i.ts']],
      ['i.ts', ['h.ts']],
    ])
    assert.deepEqual(findCycles(planted), [
      'a.ts -> b.ts -> c.ts -> a.ts',
      'e.ts -> e.ts',
      'g.ts -> h.ts -> g.ts (same tangle: i.ts)',
    ])
    // ...and an acyclic graph with shared dependencies (a diamond) is not a cycle.
    const diamond: ImportGraph = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['d.ts']],
      ['c.ts', ['d.ts']],
      ['d.ts', []],
    ])
    assert.deepEqual(findCycles(diamond), [])
  })
})
