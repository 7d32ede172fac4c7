// Fails on test assertions that cannot fail or that pass for the wrong reason:
// - `assert.rejects` / `assert.throws` without an expected error (any error would pass);
// - an equality assertion whose two sides are the same expression (always true).
// Usage: node scripts/check-assertions.ts [files…]   (default: every *.test.ts in the repo)
import { readFileSync } from 'node:fs'
import { glob } from 'node:fs/promises'
import ts from 'typescript'

const EXPECTS_ERROR = new Set(['rejects', 'throws'])
const COMPARES = new Set([
  'equal',
  'strictEqual',
  'deepEqual',
  'deepStrictEqual',
  'notEqual',
  'notStrictEqual',
  'notDeepEqual',
  'notDeepStrictEqual',
  'partialDeepStrictEqual',
])

interface Finding {
  file: string
  line: number
  message: string
}

/** The assertion method a call names, for `assert.x(…)` and `t.assert.x(…)`. */
function assertionName(call: ts.CallExpression): string | undefined {
  const callee = call.expression
  if (!ts.isPropertyAccessExpression(callee)) return undefined
  const target = callee.expression
  const isAssert =
    (ts.isIdentifier(target) && target.text === 'assert') ||
    (ts.isPropertyAccessExpression(target) && target.name.text === 'assert')
  return isAssert ? callee.name.text : undefined
}

export function checkSource(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const findings: Finding[] = []
  const report = (node: ts.Node, message: string) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source))
    findings.push({ file, line: line + 1, message })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const name = assertionName(node)
      const [first, second] = node.arguments
      if (name !== undefined && EXPECTS_ERROR.has(name) && second === undefined) {
        report(node, `assert.${name} without an expected error: name the code or class it expects`)
      }
      if (
        name !== undefined &&
        COMPARES.has(name) &&
        first !== undefined &&
        second !== undefined &&
        first.getText(source).replace(/\s+/g, '') === second.getText(source).replace(/\s+/g, '')
      ) {
        report(node, `assert.${name} compares an expression with itself`)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return findings
}

async function main(): Promise<void> {
  const files = process.argv.slice(2)
  if (files.length === 0) {
    for await (const file of glob('{packages,examples,test}/**/*.test.ts', {
      exclude: (name) => name.includes('node_modules'),
    })) {
      files.push(file)
    }
  }
  const findings = files.flatMap((file) => checkSource(file, readFileSync(file, 'utf8')))
  for (const f of findings) console.error(`${f.file}:${String(f.line)}: ${f.message}`)
  if (findings.length > 0) {
    console.error(
      `check-assertions: ${String(findings.length)} problem(s) in ${String(files.length)} files`,
    )
    process.exit(1)
  }
  console.log(`check-assertions: ${String(files.length)} test files, no problem`)
}

if (import.meta.main) await main()
