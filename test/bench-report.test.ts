import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  BEGIN_MARKER,
  END_MARKER,
  renderResults,
  replaceBetweenMarkers,
} from '../bench/lib/report.ts'
import type { BenchResults } from '../bench/lib/report.ts'

// docs/performance.md is generated from `npm run bench` output (issue 18): the generator must
// give the expected markdown for a fixed results file. No speed is asserted anywhere here.
const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8')
const results = JSON.parse(fixture('bench-results.json')) as BenchResults

describe('bench docs generation', () => {
  it('renders the fixed results file as the expected markdown', () => {
    assert.equal(renderResults(results), fixture('bench-results.md'))
  })

  it('computes each ratio against its own anchor in the same run', () => {
    const text = renderResults(results)
    // MCP: 1300 / 1000 req/s against the documented SDK path, 240 / 300 µs CPU.
    assert.match(
      text,
      /\| \(c\) @mandate\/server JWT \| 16 \| 1300 \| 1\.30 \| 1\.63 \| 240 \| 0\.80 \|/,
    )
    // Token endpoint: 600 / 1200 req/s, 1500 / 600 µs CPU against bare oidc-provider.
    assert.match(text, /\| mandate-sqlite \| refresh_token \| 600 \| 0\.50 \| 1500 \| 2\.50 \|/)
    // Vault: 20000 / 5000 ops/s and 150.4 / 40 µs CPU against two raw decryptions.
    assert.match(
      text,
      /concurrency 32 \| 5000 \| 4\.00 \| 6\.000 \| 20\.000 \| 150\.4 \| 3\.76 \| 60\.0 \|/,
    )
    assert.match(text, /Test CPU @ 2\.0GHz, 2 cores, Node\.js v24\.21\.0/)
    assert.match(text, /Not run: revocation \(exit code 1\)\./)
  })

  it('replaces only the block between the markers and keeps the prose', () => {
    const doc = `# Performance\n\nProse before.\n\n${BEGIN_MARKER}\nold table\n${END_MARKER}\n\nProse after.\n`
    const once = replaceBetweenMarkers(doc, results)
    assert.ok(once.startsWith(`# Performance\n\nProse before.\n\n${BEGIN_MARKER}\n\n`))
    assert.ok(once.endsWith(`${END_MARKER}\n\nProse after.\n`))
    assert.ok(once.includes(renderResults(results)))
    assert.ok(!once.includes('old table'))
    // Regenerating from the same results changes nothing.
    assert.equal(replaceBetweenMarkers(once, results), once)
  })

  it('refuses a document without the markers (positive control above)', () => {
    assert.throws(() => replaceBetweenMarkers('# Performance\n', results), {
      name: 'Error',
      message: /bench-results markers not found/,
    })
  })
})
