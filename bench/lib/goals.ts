// The published targets (issues 12, 15 and 18), read off runs of `npm run bench`: each goal's
// ratio per run, the median over the runs and whether the median meets the target. A goal is
// judged by the median of the ratios measured within each run, never across runs.
import type { BenchResults } from './report.ts'

export interface Goal {
  readonly name: string
  /** `min`: the value must be at least `target`; `max`: at most. */
  readonly kind: 'min' | 'max'
  readonly target: number
  readonly unit: '×' | 'ms'
  readonly value: (run: BenchResults) => number | undefined
}

const mcpRps = (run: BenchResults, variant: string, connections: number): number | undefined =>
  run.scenarios.mcp?.rows.find((r) => r.variant === variant && r.connections === connections)?.rps

const over = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b

const tokenRatio = (run: BenchResults, grant: string): number | undefined => {
  const rows = run.scenarios.tokenEndpoint?.rows
  const rps = (kind: string) => rows?.find((r) => r.kind === kind && r.grant === grant)?.rps
  return over(rps('mandate-sqlite'), rps('bare-memory'))
}

const vaultRatio = (run: BenchResults): number | undefined => {
  const rows = run.scenarios.vault?.rows
  const ops = (prefix: string) => rows?.find((r) => r.name.startsWith(prefix))?.opsPerSecond
  return over(
    ops('raw AES-256-GCM decrypt ×2'),
    ops('getFreshCredential, postgres, concurrency 32'),
  )
}

const gateway = (run: BenchResults, path: 'direct' | 'gateway') =>
  run.scenarios.gateway?.results[path]

const clients = (c: number): string => (c === 1 ? '1 client' : `${String(c)} clients`)

// Issue 18: "@mandate/server with JWT auth >= 1.3x the SDK's documented unprotected path ...
// and >= 0.95x the same toolkit with auth off; with DPoP >= 0.9x". Every ratio of that issue's
// table is against the anchor (a0), so the DPoP goal is (d) over (a0) too.
const mcpGoals: Goal[] = [1, 16, 64].flatMap((c): Goal[] => [
  {
    name: `MCP (c) JWT ÷ (a0) SDK as documented, ${clients(c)}`,
    kind: 'min',
    target: 1.3,
    unit: '×',
    value: (run) => over(mcpRps(run, 'c', c), mcpRps(run, 'a0', c)),
  },
  {
    name: `MCP (c) JWT ÷ (e) same toolkit, auth off, ${clients(c)}`,
    kind: 'min',
    target: 0.95,
    unit: '×',
    value: (run) => over(mcpRps(run, 'c', c), mcpRps(run, 'e', c)),
  },
  {
    name: `MCP (d) JWT + DPoP ÷ (a0) SDK as documented, ${clients(c)}`,
    kind: 'min',
    target: 0.9,
    unit: '×',
    value: (run) => over(mcpRps(run, 'd', c), mcpRps(run, 'a0', c)),
  },
])

/** Every goal, in the order the docs list them. */
export const GOALS: readonly Goal[] = [
  ...mcpGoals,
  ...['authorization_code', 'refresh_token'].map((grant): Goal => ({
    name: `Token endpoint, SQLite ÷ bare oidc-provider, ${grant}`,
    kind: 'min',
    target: 0.8,
    unit: '×',
    value: (run) => tokenRatio(run, grant),
  })),
  {
    name: 'Vault read, PostgreSQL, 32 callers ÷ two raw AES-GCM decryptions',
    kind: 'max',
    target: 4,
    unit: '×',
    value: vaultRatio,
  },
  {
    name: 'Gateway: added p50 at 1 client',
    kind: 'max',
    target: 0.3,
    unit: 'ms',
    value: (run) => {
      const [direct, through] = [gateway(run, 'direct'), gateway(run, 'gateway')]
      return direct === undefined || through === undefined ? undefined : through.p50 - direct.p50
    },
  },
  {
    name: 'Gateway ÷ direct, req/s at 64 clients',
    kind: 'min',
    target: 0.9,
    unit: '×',
    value: (run) => over(gateway(run, 'gateway')?.rps, gateway(run, 'direct')?.rps),
  },
  {
    name: 'Revocation lag p99, slowest observer',
    kind: 'max',
    target: 1000,
    unit: 'ms',
    value: (run) => {
      const lags = Object.values(run.scenarios.revocation?.latencyMs ?? {}).map((l) => l.p99)
      return lags.length === 0 ? undefined : Math.max(...lags)
    },
  },
]

/** The median of the values that were measured (undefined when none was). */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b)
  if (known.length === 0) return undefined
  const middle = Math.floor(known.length / 2)
  return known.length % 2 === 1
    ? known[middle]
    : ((known[middle - 1] ?? 0) + (known[middle] ?? 0)) / 2
}

const show = (value: number | undefined, unit: Goal['unit']): string =>
  value === undefined
    ? '—'
    : unit === 'ms'
      ? `${value.toFixed(value >= 100 ? 0 : 3)} ms`
      : `${value.toFixed(2)}×`

/** A markdown table: one row per goal, one column per run, the median, the target, met or not. */
export function renderGoals(runs: readonly BenchResults[]): string[] {
  const head = ['goal', ...runs.map((_, i) => `run ${String(i + 1)}`), 'median', 'target', 'met']
  const rows = GOALS.map((goal) => {
    const values = runs.map((run) => goal.value(run))
    const mid = median(values)
    const met =
      mid === undefined
        ? '—'
        : (goal.kind === 'min' ? mid >= goal.target : mid <= goal.target)
          ? 'yes'
          : 'no'
    const target = `${goal.kind === 'min' ? '≥' : '≤'} ${show(goal.target, goal.unit)}`
    return [goal.name, ...values.map((v) => show(v, goal.unit)), show(mid, goal.unit), target, met]
  })
  return [
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ]
}
