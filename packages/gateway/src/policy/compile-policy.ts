import { celEnv, isCelError, parse, plan } from '@bufbuild/cel'
import type { CelInput, CelResult } from '@bufbuild/cel'
import { strings } from '@bufbuild/cel/ext'
import { ConfigurationError } from '@mandate/core'
import type { PolicyRule } from '../options.ts'
import type { RiskSignal } from '../risk/risk-signal.ts'

/** What a CEL condition sees (docs/gateway.md, "Policy language"). */
export interface PolicyInput {
  claims: Record<string, CelInput>
  client: string
  act: Record<string, CelInput>
  actors: string[]
  upstream: string
  tool: string
  args: Record<string, CelInput>
  phase: 'list' | 'call'
  now: number
  /** Absent when it could not be computed: a condition reading it then denies. */
  risk?: RiskSignal
}

/** A policy rule checked once at start: tool patterns compiled, its CEL condition type-checked. */
export interface CompiledRule {
  readonly index: number
  readonly rule: PolicyRule
  matchesTool(tool: string): boolean
  /** True, false, or an error message: a condition that cannot be evaluated denies. */
  condition(input: PolicyInput): boolean | string
  /** Whether the condition reads `risk` (decided from its syntax tree at compile time). */
  readonly readsRisk: boolean
}

const env = celEnv({ funcs: strings })
const ACTIONS: readonly string[] = ['allow', 'deny', 'approve']
const SAMPLE: PolicyInput = {
  claims: { sub: 's', client_id: 'c', scope: '', scopes: [], amr: [], acr: '', auth_time: 0 },
  client: 'c',
  act: {},
  actors: [],
  upstream: 'u',
  tool: 't',
  args: {},
  phase: 'list',
  now: 0,
  risk: { new_client: false, new_network: false },
}

/**
 * Compiles an upstream's rules at start: a condition that does not parse, names a variable
 * that does not exist, or is not boolean stops the gateway with the rule's location.
 */
export function compilePolicy(where: string, rules: readonly PolicyRule[]): CompiledRule[] {
  return rules.map((rule, index) => {
    const key = `${where}.policy[${String(index)}]`
    // Configuration may come from JSON: check what the type promises.
    if (!ACTIONS.includes(rule.action)) {
      throw new ConfigurationError(`${key}.action`, 'must be allow, deny or approve')
    }
    if (rule.mfa !== undefined && (rule.action !== 'approve' || typeof rule.mfa !== 'boolean')) {
      throw new ConfigurationError(`${key}.mfa`, 'true or false, on approve rules only')
    }
    const patterns = (rule.tools ?? ['*']).map((pattern) => {
      if (!/^[\w.*/:-]+$/.test(pattern))
        throw new ConfigurationError(`${key}.tools`, 'letters, digits, _ . / : - and * only')
      return globToRegExp(pattern)
    })
    const condition =
      rule.when === undefined ? undefined : compileCondition(`${key}.when`, rule.when)
    return {
      index,
      rule,
      matchesTool: (tool) => patterns.some((pattern) => pattern.test(tool)),
      condition: (input) => (condition === undefined ? true : condition(input)),
      readsRisk: rule.when !== undefined && namesRisk(parse(rule.when)),
    }
  })
}

function compileCondition(key: string, source: string): (input: PolicyInput) => boolean | string {
  let evaluate: (input: PolicyInput) => CelResult
  try {
    const program = plan(env, parse(source))
    evaluate = (input) => program(input as unknown as Record<string, CelInput>)
  } catch (error) {
    throw new ConfigurationError(key, `invalid CEL: ${(error as Error).message}`)
  }
  const trial = evaluate(SAMPLE)
  if (isCelError(trial) && /unresolved attribute|undeclared/i.test(trial.message)) {
    throw new ConfigurationError(key, `unknown variable in CEL condition (${trial.message})`)
  }
  if (!isCelError(trial) && typeof trial !== 'boolean') {
    throw new ConfigurationError(key, 'a CEL condition must be boolean')
  }
  return (input) => {
    try {
      const result = evaluate(input)
      if (isCelError(result)) return `condition failed to evaluate: ${result.message}`
      return typeof result === 'boolean' ? result : 'condition is not boolean'
    } catch (error) {
      return `condition failed to evaluate: ${(error as Error).message}`
    }
  }
}

/**
 * Whether a parsed condition names the `risk` variable anywhere (also inside macros and
 * comprehensions). Over-approximates (a comprehension variable called `risk` counts): computing
 * the signal when it is not needed costs a lookup, missing it would leave `risk` unset and deny.
 */
function namesRisk(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false
  const kind = (node as { exprKind?: { case?: unknown; value?: { name?: unknown } } }).exprKind
  if (kind?.case === 'identExpr' && /^\.?risk(\.|$)/.test(String(kind.value?.name))) return true
  return Object.values(node).some(namesRisk)
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`)
}
