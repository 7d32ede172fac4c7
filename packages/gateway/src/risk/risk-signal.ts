import { AsyncLocalStorage } from 'node:async_hooks'
import type { Logger } from '@mandate/core'
import { getIdentity } from '@mandate/server'
import type { McpIdentity } from '@mandate/server'
import type { ServerContext } from '@modelcontextprotocol/server'
import { networkOf } from './network.ts'

/** The `risk` variable of policy conditions (docs/gateway.md, "Policy language"). */
export interface RiskSignal {
  new_client: boolean
  new_network: boolean
}

/** Where the risk signal reads the user's history (e.g. the stored audit trail). */
export interface RiskHistory {
  /** Source addresses of the user's successful sign-ins since `since` (ms since the epoch). */
  signInAddresses(sub: string, since: number): Promise<readonly string[]>
  /** When the user was first seen with this client since `since` (ms), or undefined. */
  firstUseOfClient(sub: string, clientId: string, since: number): Promise<number | undefined>
}

/** `GatewayOptions.risk`. */
export interface RiskOptions {
  history: RiskHistory
  /** How far back sign-ins and client use count. Default 30 days. */
  windowDays?: number
  /** A client is new for this user until it was first used this long ago. Default 86400 (1 day). */
  clientAgeSeconds?: number
}

interface Engine {
  readonly options: RiskOptions
  readonly logger: Logger
  readonly cache: Map<string, { at: number; signal: Promise<RiskSignal> }>
}

const CACHE_MS = 60_000
const CACHE_MAX = 10_000
const engines = new WeakMap<object, Engine>()
const address = new AsyncLocalStorage<string | undefined>()
const current = new AsyncLocalStorage<RiskSignal | undefined>()

/** Gives `core` a risk signal (without options, `risk` stays unset and conditions on it deny). */
export function attachRisk(core: object, options: RiskOptions | undefined, logger: Logger): void {
  if (options !== undefined) engines.set(core, { options, logger, cache: new Map() })
}

/** Runs `run` with the request's source address known to the risk signal. */
export function withSourceAddress<T>(source: string | undefined, run: () => T): T {
  return address.run(source, run)
}

/** The risk signal of the request being decided, if it could be computed. */
export function currentRisk(): RiskSignal | undefined {
  return current.getStore()
}

/** Runs `run` with `signal` as the risk signal its policy decisions see. */
export function withRisk<T>(signal: RiskSignal | undefined, run: () => T): T {
  return current.run(signal, run)
}

/** Whether `core` was given a risk history (without one, `risk` stays unset). */
export function hasRisk(core: object): boolean {
  return engines.has(core)
}

/**
 * The caller's risk signal (cached a minute per user, client and network), or undefined when it
 * cannot be computed (no history, no source address, the history failing): a condition reading
 * it then fails to evaluate and denies (fail closed).
 */
export async function riskSignal(
  core: object,
  ctx: ServerContext,
): Promise<RiskSignal | undefined> {
  const engine = engines.get(core)
  return engine === undefined ? undefined : riskOf(engine, ctx)
}

async function riskOf(engine: Engine, ctx: ServerContext): Promise<RiskSignal | undefined> {
  let identity: McpIdentity
  try {
    identity = getIdentity(ctx)
  } catch {
    return undefined
  }
  const source = address.getStore()
  const network = source === undefined ? undefined : networkOf(source)
  if (network === undefined) return undefined
  const key = JSON.stringify([identity.sub, identity.clientId, network])
  const now = Date.now()
  let entry = engine.cache.get(key)
  if (entry === undefined || now - entry.at > CACHE_MS) {
    if (engine.cache.size >= CACHE_MAX) engine.cache.clear()
    entry = { at: now, signal: compute(engine, identity, network, now) }
    engine.cache.set(key, entry)
    entry.signal.catch(() => engine.cache.delete(key))
  }
  try {
    return await entry.signal
  } catch (error) {
    engine.logger.warn('risk signal unavailable; conditions on risk deny', {
      error: (error as Error).message,
    })
    return undefined
  }
}

async function compute(
  engine: Engine,
  identity: McpIdentity,
  network: string,
  now: number,
): Promise<RiskSignal> {
  const { history } = engine.options
  const since = now - (engine.options.windowDays ?? 30) * 86_400_000
  const [addresses, firstUse] = await Promise.all([
    history.signInAddresses(identity.sub, since),
    history.firstUseOfClient(identity.sub, identity.clientId, since),
  ])
  const clientAgeMs = (engine.options.clientAgeSeconds ?? 86_400) * 1000
  return {
    new_network: !addresses.some((a) => networkOf(a) === network),
    new_client: firstUse === undefined || now - firstUse < clientAgeMs,
  }
}
