// `npm run bench`: runs every benchmark scenario one after the other (each in its own process,
// loopback only, each stopping by itself or killed at its time limit), prints the tables of
// ratios with CPU per call and the machine details, and writes bench/results/<date-time>.json,
// from which bench/render-docs.ts regenerates docs/performance.md. Usage:
//   npm run bench [-- --quick] [-- --only mcp,vault]
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, platform, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { renderResults } from './lib/report.ts'
import type { BenchResults } from './lib/report.ts'

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
})
const quick = values.quick
const only = values.only?.split(',')
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

type Name = keyof BenchResults['scenarios']
interface Scenario {
  name: Name
  script: string
  args: string[]
  quickArgs: string[]
  /** Killed after this long (a scenario must not hang the run). */
  limitSeconds: number
}
const SCENARIOS: Scenario[] = [
  {
    name: 'mcp',
    script: 'mcp-server/run.ts',
    args: ['8', '3', '1,16,64'],
    quickArgs: ['1', '1', '16'],
    // About 6 minutes on a 2-vCPU VM since the steady-state warm-up and the interleaved turns.
    limitSeconds: 900,
  },
  {
    name: 'tokenEndpoint',
    script: 'token-endpoint/run.ts',
    args: ['6000'],
    quickArgs: ['200'],
    limitSeconds: 900,
  },
  {
    name: 'vault',
    script: 'vault/vault-bench.ts',
    args: ['--seconds', '3'],
    quickArgs: ['--seconds', '0.3'],
    limitSeconds: 600,
  },
  {
    name: 'parsers',
    script: 'parsers/www-authenticate.ts',
    args: [],
    quickArgs: [],
    limitSeconds: 300,
  },
  {
    name: 'gateway',
    script: 'gateway/run.ts',
    args: ['8', '3000'],
    quickArgs: ['1', '200'],
    limitSeconds: 600,
  },
  {
    name: 'revocation',
    script: 'revocation/run.ts',
    args: ['200'],
    quickArgs: ['5'],
    limitSeconds: 900,
  },
]

/** Runs one scenario script; resolves with its JSON, or with why it gave none. */
function runScenario(scenario: Scenario, dir: string): Promise<unknown> {
  const out = join(dir, `${scenario.name}.json`)
  const child = spawn(
    process.execPath,
    [
      '--conditions=@mandate/source',
      '--disable-warning=ExperimentalWarning',
      here(scenario.script),
      ...(quick ? scenario.quickArgs : scenario.args),
    ],
    // The scenario's own tables and progress go to stderr; stdout is this runner's summary.
    {
      stdio: ['ignore', process.stderr, 'inherit'],
      env: { ...process.env, MANDATE_BENCH_JSON: out },
    },
  )
  const limit = setTimeout(() => child.kill('SIGKILL'), scenario.limitSeconds * 1000)
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      clearTimeout(limit)
      if (code === 0 && existsSync(out)) resolve(JSON.parse(readFileSync(out, 'utf8')))
      else reject(new Error(signal === null ? `exit code ${String(code)}` : `killed (${signal})`))
    })
  })
}

const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'))
const results: BenchResults = {
  version: 1,
  date: new Date().toISOString(),
  quick,
  machine: {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    platform: `${platform()} ${release()}`,
    loadBefore: loadavg(),
    loadAfter: [],
  },
  scenarios: {},
  skipped: {},
}
try {
  for (const scenario of SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.name)) continue
    if (!existsSync(here(scenario.script))) {
      results.skipped[scenario.name] = 'not present'
      continue
    }
    process.stderr.write(`\n== ${scenario.name} (${scenario.script})\n`)
    try {
      const data = await runScenario(scenario, dir)
      ;(results.scenarios as Record<string, unknown>)[scenario.name] = data
    } catch (error) {
      results.skipped[scenario.name] = error instanceof Error ? error.message : 'failed'
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
results.machine.loadAfter = loadavg()

const stamp = results.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')
mkdirSync(here('results'), { recursive: true })
const file = here(`results/${stamp}${quick ? '-quick' : ''}.json`)
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`)
process.stdout.write(`\n${renderResults(results)}\nwritten: ${file}\n`)
process.exitCode = Object.keys(results.skipped).some((k) => results.skipped[k] !== 'not present')
  ? 1
  : 0
