import { createHash } from 'node:crypto'
import { listProviders } from '@mandate/store'
import type { Store } from '@mandate/store'
import { createProviderCatalog } from '@mandate/vault'
import type { ProviderCatalog, ProviderClient, ProviderDefinition } from '@mandate/vault'
import type { Runtime } from '../runtime/open-runtime.ts'
import { loadProviders } from './load-providers.ts'

/**
 * Store channel on which `mandate providers add|remove` and the console announce a change of
 * the registered providers; every `mandate serve` sharing the store reloads its catalog.
 */
export const PROVIDERS_CHANGED_CHANNEL = 'mandate:providers'

/** Publishes a change of the registered providers (after it is committed). */
export async function announceProvidersChanged(store: Store, id: string): Promise<void> {
  await store.publish(PROVIDERS_CHANGED_CHANNEL, id)
}

/**
 * The providers a running `mandate serve` offers, kept current while it runs: a catalog and a
 * provider fetch that follow the store, and the configuration's client registrations.
 */
export interface LiveProviders {
  readonly catalog: ProviderCatalog
  /** Calls to providers through the SSRF guard of the current definitions. */
  readonly fetch: typeof fetch
  /** Client registrations from the configuration (stored sealed at start). */
  readonly configClients: ReadonlyMap<string, ProviderClient>
  definitions(): readonly ProviderDefinition[]
  /** Reads the registered providers again; resolves once the catalog shows them. */
  reload(): Promise<void>
  close(): void
}

/** What the catalog is rebuilt from, and how the running process hears of changes. */
export interface LiveProvidersOptions {
  runtime: Pick<Runtime, 'config' | 'store' | 'logger'>
  /** Providers of this process that the store does not hold (the Demo Calendar). */
  fixed: readonly ProviderDefinition[]
  /** The provider fetch for a set of definitions (SSRF guard, tracing). */
  fetchFor: (definitions: readonly ProviderDefinition[]) => typeof fetch
  /**
   * How often the table is read for changes no message announced: another process on SQLite
   * (the CLI; SQLite's pub/sub is in-process) or a message lost while LISTEN was down.
   */
  pollMs: number
}

interface Snapshot {
  catalog: ProviderCatalog
  fetch: typeof fetch
  definitions: ProviderDefinition[]
}

/**
 * Opens the live providers: loaded once (failing closed on an entry that does not resolve),
 * then reloaded on a `PROVIDERS_CHANGED_CHANNEL` message, after every resubscription and when
 * a timed read of the table finds it changed. Reloads run one at a time; a reload that fails
 * keeps the previous catalog (the credentials it guards live in the same database).
 */
export async function openLiveProviders(options: LiveProvidersOptions): Promise<LiveProviders> {
  const { runtime, fixed, fetchFor } = options
  const { store, logger } = runtime
  const listeners = new Set<() => void>()
  const build = async (): Promise<Snapshot & { configClients: Map<string, ProviderClient> }> => {
    const loaded = await loadProviders(runtime.config, store, logger)
    const definitions = [...fixed, ...loaded.definitions]
    return {
      catalog: createProviderCatalog({ providers: definitions }),
      fetch: fetchFor(definitions),
      definitions,
      configClients: loaded.configClients,
    }
  }
  const first = await build()
  let current: Snapshot = first
  let seen = await fingerprint(store)
  let queue = Promise.resolve()
  const reloadNow = async () => {
    const print = await fingerprint(store)
    current = await build()
    seen = print
    for (const listener of listeners) listener()
    logger.info('providers reloaded', { count: current.definitions.length })
  }
  const reload = () => {
    queue = queue.then(reloadNow).catch((error: unknown) => {
      logger.error('providers reload failed; keeping the previous catalog', { error })
    })
    return queue
  }
  const unsubscribe = [
    store.subscribe(PROVIDERS_CHANGED_CHANNEL, () => void reload()),
    store.onResubscribe(() => void reload()),
  ]
  const poll = setInterval(() => {
    void fingerprint(store).then(
      (print) => (print === seen ? undefined : reload()),
      (error: unknown) => {
        logger.warn('providers poll failed', { error })
      },
    )
  }, options.pollMs)
  poll.unref()
  const catalog: ProviderCatalog = {
    get: (id) => current.catalog.get(id),
    require: (id) => current.catalog.require(id),
    list: () => current.catalog.list(),
    onChange: (listener) => {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
  return {
    catalog,
    fetch: (input, init) => current.fetch(input, init),
    configClients: first.configClients,
    definitions: () => current.definitions,
    reload,
    close: () => {
      clearInterval(poll)
      for (const stop of unsubscribe) stop()
    },
  }
}

/** A digest of the registered providers' rows: any add, remove or replacement changes it. */
async function fingerprint(store: Store): Promise<string> {
  const rows = await listProviders(store)
  const hash = createHash('sha256')
  for (const row of rows) {
    hash.update(JSON.stringify([row.id, row.definition, row.client_id, row.updated_at]))
  }
  return hash.digest('base64url')
}
