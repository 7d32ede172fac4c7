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
import { median, renderGoals } from '../bench/lib/goals.ts'

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
    // Token endpoint: 600 / 1200 req/s and 600 / 750 against bare oidc-provider in memory and on
    // SQLite, 1500 / 600 µs CPU.
    assert.match(
      text,
      /\| mandate-sqlite \| refresh_token \| 600 \| 0\.50 \| 0\.80 \| 1500 \| 2\.50 \|/,
    )
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

describe('bench goals over several runs', () => {
  // A copy of the fixture with the MCP (c) and anchor req/s and the vault ops/s replaced.
  const run = (anchor: number, c: number, vaultOps: number): BenchResults => {
    const copy = structuredClone(results)
    for (const row of copy.scenarios.mcp?.rows ?? []) {
      if (row.variant === 'a0') row.rps = anchor
      if (row.variant === 'c') row.rps = c
    }
    const read = copy.scenarios.vault?.rows.find((r) => r.name.startsWith('getFreshCredential'))
    if (read !== undefined) read.opsPerSecond = vaultOps
    return copy
  }
  const goalRow = (lines: string[], name: string): string[] =>
    (lines.find((line) => line.startsWith(`| ${name} |`)) ?? '').split(' | ')

  it('takes the median of the per-run ratios, not the ratio of medians', () => {
    // Ratios 1.40, 1.20, 1.35: median 1.35 (met). Ratio of median req/s would be 1300/1000 = 1.30.
    const runs = [run(1000, 1400, 5000), run(2000, 2400, 5000), run(800, 1080, 5000)]
    const row = goalRow(renderGoals(runs), 'MCP (c) JWT ÷ (a0) SDK as documented, 16 clients')
    assert.deepEqual(row.slice(1), ['1.40×', '1.20×', '1.35×', '1.35×', '≥ 1.30×', 'yes |'])
  })

  it('says "no" when the median misses a minimum, and judges maximums the other way', () => {
    const runs = [run(1000, 1200, 5000), run(1000, 1250, 4000), run(1000, 1400, 6000)]
    const mcp = goalRow(renderGoals(runs), 'MCP (c) JWT ÷ (a0) SDK as documented, 16 clients')
    assert.deepEqual(mcp.slice(-3), ['1.25×', '≥ 1.30×', 'no |'])
    // Vault: 20000 ÷ (5000, 4000, 6000) = 4.00, 5.00, 3.33; median 4.00 meets "≤ 4".
    const vault = goalRow(
      renderGoals(runs),
      'Vault read, PostgreSQL, 32 callers ÷ two raw AES-GCM decryptions',
    )
    assert.deepEqual(vault.slice(1), ['4.00×', '5.00×', '3.33×', '4.00×', '≤ 4.00×', 'yes |'])
    const slower = goalRow(
      renderGoals([run(1000, 1300, 4000)]),
      'Vault read, PostgreSQL, 32 callers ÷ two raw AES-GCM decryptions',
    )
    assert.deepEqual(slower.slice(-3), ['5.00×', '≤ 4.00×', 'no |'])
  })

  it('judges DPoP against the anchor and JWT against the toolkit with auth off', () => {
    const withVariants = (d: number, e: number): BenchResults => {
      const copy = run(1000, 1300, 5000)
      const c = copy.scenarios.mcp?.rows.find((r) => r.variant === 'c')
      if (c !== undefined) copy.scenarios.mcp?.rows.push({ ...c, variant: 'd', rps: d })
      if (c !== undefined) copy.scenarios.mcp?.rows.push({ ...c, variant: 'e', rps: e })
      return copy
    }
    // (d) 920 ÷ (a0) 1000 = 0.92, met; the same (d) ÷ (c) 1300 would be 0.71.
    const dpop = 'MCP (d) JWT + DPoP ÷ (a0) SDK as documented, 16 clients'
    assert.deepEqual(goalRow(renderGoals([withVariants(920, 1350)]), dpop).slice(-3), [
      '0.92×',
      '≥ 0.90×',
      'yes |',
    ])
    // (c) 1300 ÷ (e) 1350 = 0.96, met; ÷ 1400 = 0.93, missed.
    const authOff = 'MCP (c) JWT ÷ (e) same toolkit, auth off, 16 clients'
    assert.deepEqual(goalRow(renderGoals([withVariants(920, 1350)]), authOff).slice(-3), [
      '0.96×',
      '≥ 0.95×',
      'yes |',
    ])
    assert.deepEqual(goalRow(renderGoals([withVariants(920, 1400)]), authOff).slice(-3), [
      '0.93×',
      '≥ 0.95×',
      'no |',
    ])
  })

  it('leaves a goal unjudged when no run measured it', () => {
    // The fixture has no gateway scenario and its revocation run failed.
    const row = goalRow(renderGoals([results]), 'Gateway ÷ direct, req/s at 64 clients')
    assert.deepEqual(row.slice(1), ['—', '—', '≥ 0.90×', '— |'])
    assert.equal(median([undefined, 3, 1]), 2)
    assert.equal(median([undefined]), undefined)
  })

  it("puts the goals table before the last run's tables when runs are given", () => {
    const text = renderResults(results, [results, results])
    assert.match(text, /^#### Goals: median of 2 run\(s\)/)
    assert.ok(text.indexOf('| goal |') < text.indexOf('Run 2026-12-04T10:00:00.000Z'))
    assert.ok(!renderResults(results).includes('#### Goals'))
  })
})
