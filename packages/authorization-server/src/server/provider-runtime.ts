import type Provider from 'oidc-provider'
import type { JWK } from 'jose'
import { purgeExpiredRecords } from '../adapter/store-adapter.ts'
import { KEYS_CHANNEL, loadSigningKeys, signingKeyFingerprint } from '../keys/signing-keys.ts'
import { buildProvider } from '../provider/build-provider.ts'
import type { ProviderContext } from '../provider/provider-context.ts'

/** Everything a provider is built from except the signing keys, which the runtime loads. */
export type ProviderBase = Omit<ProviderContext, 'keys'>

interface Built {
  provider: Provider
  // Koa's callback() composes the middleware stack on every call: built once per provider.
  callback: ReturnType<Provider['callback']>
  keys: JWK[]
  nextChangeAt: number | undefined
}

// SQLite has no cross-process pub/sub: another process's key change is noticed by polling.
const KEY_POLL_MS = 1_000
const PURGE_EVERY_MS = 10 * 60_000
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/**
 * The oidc-provider instance currently serving. oidc-provider fixes its keys when built, so a
 * new instance is built whenever the signing keys change: on a rotation announced by any
 * instance, when a scheduled key change falls due (catalogue #82), and after a lost
 * subscription. Also purges expired records and login failures periodically.
 */
export class ProviderRuntime {
  readonly #base: ProviderBase
  readonly #stops: (() => void)[] = []
  #current: Built
  #reloadTimer: NodeJS.Timeout | undefined

  private constructor(base: ProviderBase, current: Built) {
    this.#base = base
    this.#current = current
  }

  /** Builds the first provider and starts following key changes. */
  static async start(base: ProviderBase): Promise<ProviderRuntime> {
    const runtime = new ProviderRuntime(base, await build(base))
    runtime.#scheduleReload()
    await runtime.#followKeyChanges()
    runtime.#purgePeriodically()
    return runtime
  }

  /** The instance serving now. */
  get provider(): Provider {
    return this.#current.provider
  }

  /** Its Node request handler. */
  get callback(): Built['callback'] {
    return this.#current.callback
  }

  /** The active signing key (it signs the revocation feed too). */
  get signingKey(): JWK | undefined {
    return this.#current.keys[0]
  }

  /** Builds a new instance with the stored keys; on failure the current one keeps serving. */
  async reload(): Promise<void> {
    const { logger } = this.#base.config
    try {
      this.#current = await build(this.#base)
      this.#scheduleReload()
      logger.info('signing keys reloaded')
    } catch (error) {
      logger.error('signing key reload failed', {
        error: error instanceof Error ? error.message : 'unknown',
      })
    }
  }

  /** Stops every timer and subscription. */
  close(): void {
    for (const stop of this.#stops) stop()
    if (this.#reloadTimer !== undefined) clearTimeout(this.#reloadTimer)
  }

  /** A key published or retired at a future instant takes effect then (no message is sent). */
  #scheduleReload(): void {
    if (this.#reloadTimer !== undefined) clearTimeout(this.#reloadTimer)
    const at = this.#current.nextChangeAt
    if (at === undefined) return
    this.#reloadTimer = setTimeout(
      () => {
        void this.reload()
      },
      Math.min(at - Date.now() + 50, MAX_TIMEOUT_MS),
    )
    this.#reloadTimer.unref()
  }

  async #followKeyChanges(): Promise<void> {
    const { store } = this.#base.config
    const reload = (): void => {
      void this.reload()
    }
    this.#stops.push(store.subscribe(KEYS_CHANNEL, reload), store.onResubscribe(reload))
    // On SQLite another process (`mandate keys withdraw-signing-key`) shares no pub/sub with us.
    if (store.kind !== 'sqlite') return
    let seen = await signingKeyFingerprint(store)
    const watch = setInterval(() => {
      signingKeyFingerprint(store)
        .then((now) => {
          if (now === seen) return
          seen = now
          reload()
        })
        .catch(() => undefined)
    }, KEY_POLL_MS)
    watch.unref()
    this.#stops.push(() => {
      clearInterval(watch)
    })
  }

  #purgePeriodically(): void {
    const { config, users } = this.#base
    const purge = setInterval(() => {
      purgeExpiredRecords(config.store).catch(() => undefined)
      users.purgeLoginFailures().catch(() => undefined)
    }, PURGE_EVERY_MS)
    purge.unref()
    this.#stops.push(() => {
      clearInterval(purge)
    })
  }
}

async function build(base: ProviderBase): Promise<Built> {
  const { keys, nextChangeAt } = await loadSigningKeys(base.config.store, base.config.keys)
  const provider = buildProvider({ ...base, keys })
  return { provider, callback: provider.callback(), keys, nextChangeAt }
}
