// Regenerates the results block of docs/performance.md (between the bench-results markers; the
// prose around it stays) from one results file of `npm run bench`. Usage:
//   scripts/node24 node bench/render-docs.ts [bench/results/<date-time>.json]
// Without an argument: the newest full (not --quick) run in bench/results/.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { replaceBetweenMarkers } from './lib/report.ts'
import type { BenchResults } from './lib/report.ts'

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
const docPath = fileURLToPath(new URL('../docs/performance.md', import.meta.url))
const newest = readdirSync(resultsDir)
  .filter((name) => name.endsWith('.json') && !name.endsWith('-quick.json'))
  .sort()
  .at(-1)
const source = process.argv[2] ?? (newest === undefined ? undefined : `${resultsDir}${newest}`)
if (source === undefined) {
  console.error('no results file: run `npm run bench` first, or name one')
  process.exit(1)
}
const results = JSON.parse(readFileSync(source, 'utf8')) as BenchResults
writeFileSync(docPath, replaceBetweenMarkers(readFileSync(docPath, 'utf8'), results))
console.log(`docs/performance.md: results block regenerated from ${source}`)
