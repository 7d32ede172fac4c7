// Regenerates the results block of docs/performance.md (between the bench-results markers; the
// prose around it stays) from results files of `npm run bench`. Usage:
//   scripts/node24 node bench/render-docs.ts [bench/results/<date-time>.json ...]
// Without an argument: the newest full (not --quick) run in bench/results/. With several (the
// three back-to-back runs a published figure needs): the goals table over all of them, each
// goal judged by the median of its per-run ratios, then the tables of the last one.
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
const sources = process.argv.slice(2)
if (sources.length === 0 && newest !== undefined) sources.push(`${resultsDir}${newest}`)
const last = sources.at(-1)
if (last === undefined) {
  console.error('no results file: run `npm run bench` first, or name one')
  process.exit(1)
}
const runs = sources.map((source) => JSON.parse(readFileSync(source, 'utf8')) as BenchResults)
const results = runs.at(-1) as BenchResults
writeFileSync(docPath, replaceBetweenMarkers(readFileSync(docPath, 'utf8'), results, runs))
console.log(`docs/performance.md: results block regenerated from ${sources.join(', ')}`)
