import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

// Every query lives in @mandate/store's repositories (issue 19, "Boundaries"): other packages
// call named repository functions and never build SQL on `store.db`, so that a table has one
// owner and both backends are served by code the store's own tests exercise.

const root = fileURLToPath(new URL('..', import.meta.url))
const STORE_SRC = join('packages', 'store', 'src')

// Kysely's query starters, its raw-SQL tag, and the ways to run compiled SQL directly.
const QUERY_METHODS = new Set([
  'selectFrom',
  'insertInto',
  'updateTable',
  'deleteFrom',
  'replaceInto',
  'mergeInto',
  'executeQuery',
])

/** Where a source text builds or runs a query: `name` at `line`. */
function queryCallSites(file: string, text: string): { name: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: { name: string; line: number }[] = []
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && QUERY_METHODS.has(node.name.text)) {
      found.push({ name: node.name.text, line: at(node) })
    } else if (
      ts.isTaggedTemplateExpression(node) &&
      ts.isIdentifier(node.tag) &&
      node.tag.text === 'sql'
    ) {
      found.push({ name: 'sql`…`', line: at(node) })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** The TypeScript sources of every package and example (relative to the repository). */
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

function callSitesIn(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    queryCallSites(file, readFileSync(join(root, file), 'utf8')).map(
      (site) => `${file}:${String(site.line)} ${site.name}`,
    ),
  )
}

describe('store boundary: queries only in @mandate/store', () => {
  it('no package or example outside packages/store builds or runs a query', () => {
    const outside = sourceFiles().filter((file) => !file.startsWith(STORE_SRC))
    assert.ok(outside.length > 100, 'the scan sees the other packages’ sources')
    assert.deepEqual(callSitesIn(outside), [])
  })

  it('positive control: the detector finds the store’s own queries', () => {
    const store = sourceFiles().filter((file) => file.startsWith(join(STORE_SRC, 'repositories')))
    const sites = callSitesIn(store)
    for (const name of ['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'sql`…`']) {
      assert.ok(
        sites.some((site) => site.endsWith(` ${name}`)),
        `${name} found in the repositories`,
      )
    }
  })

  it('positive control: a planted query outside the store is found; repository calls are not', () => {
    const planted = [
      "import { sql } from 'kysely'",
      'export async function leak(store: Store) {',
      "  await store.db.selectFrom('as_users').selectAll().execute()",
      "  await store.db.deleteFrom('as_oidc_records').execute()",
      '  await sql`select 1`.execute(store.db)',
      '}',
    ].join('\n')
    assert.deepEqual(
      queryCallSites('planted.ts', planted).map((site) => `${String(site.line)} ${site.name}`),
      ['3 selectFrom', '4 deleteFrom', '5 sql`…`'],
    )
    const clean = 'export const users = (store: Store) => listUsers(store, { ids: [] })'
    assert.deepEqual(queryCallSites('clean.ts', clean), [])
  })
})
