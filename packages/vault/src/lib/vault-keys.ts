import type { Logger } from '@mandate/core'
import type { Store } from '@mandate/store'
import { VaultError } from '../errors.ts'
import { verifyKeyRing } from '../keys/key-check.ts'
import type { KeyProvider } from '../keys/key-ring.ts'
import { keyRingWrapper } from '../keys/key-wrapper.ts'
import type { KeyWrapper } from '../keys/key-wrapper.ts'

/** Store channel announcing a key rotation, so that every instance reloads its keys. */
export const KEYS_CHANNEL = 'vault:keys'

/**
 * The vault's current key wrapper. It reloads the key source when another instance announces
 * a rotation, and once (coalesced) when a record names a version it has not loaded yet, so a
 * record written by an instance that rotated first never fails to decrypt here.
 */
export class VaultKeys implements KeyWrapper {
  readonly description: string
  #wrapper: KeyWrapper
  #reloading: Promise<void> | undefined
  readonly #load: (() => Promise<KeyWrapper>) | undefined
  readonly #unsubscribe: () => void
  readonly #listeners = new Set<(active: number) => void>()

  private constructor(
    wrapper: KeyWrapper,
    load: (() => Promise<KeyWrapper>) | undefined,
    store: Store,
    logger: Logger,
  ) {
    this.#wrapper = wrapper
    this.#load = load
    this.description = wrapper.description
    this.#unsubscribe = store.subscribe(KEYS_CHANNEL, () => {
      this.reload().catch((error: unknown) => {
        logger.error('reloading vault keys failed', { error })
      })
    })
  }

  /** From a key provider (file, environment): the ring is checked against the database. */
  static async fromProvider(
    provider: KeyProvider,
    store: Store,
    logger: Logger,
  ): Promise<VaultKeys> {
    const load = async () => {
      const ring = await provider.load()
      await verifyKeyRing(store, ring)
      return { ...keyRingWrapper(ring), description: provider.description }
    }
    return new VaultKeys(await load(), load, store, logger)
  }

  /** From a KMS-backed wrapper, which manages its own versions. */
  static fromWrapper(wrapper: KeyWrapper, store: Store, logger: Logger): VaultKeys {
    return new VaultKeys(wrapper, undefined, store, logger)
  }

  activeVersion(): number {
    return this.#wrapper.activeVersion()
  }

  versions(): readonly number[] {
    return this.#wrapper.versions()
  }

  wrap(version: number, dataKey: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return this.#wrapper.wrap(version, dataKey, aad)
  }

  async unwrap(version: number, wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    if (!this.#wrapper.versions().includes(version) && this.#load !== undefined) {
      await this.reload()
    }
    if (!this.#wrapper.versions().includes(version)) {
      throw new VaultError('ERR_VAULT_KEY_UNKNOWN', `key version ${String(version)} is not loaded`)
    }
    return this.#wrapper.unwrap(version, wrapped, aad)
  }

  /** Loads the key source again (after `mandate keys rotate`); concurrent calls share one load. */
  reload(): Promise<void> {
    const load = this.#load
    if (load === undefined) return Promise.resolve()
    this.#reloading ??= load()
      .then((wrapper) => {
        const changed = wrapper.activeVersion() !== this.#wrapper.activeVersion()
        this.#wrapper = wrapper
        if (changed) for (const listener of this.#listeners) listener(wrapper.activeVersion())
      })
      .finally(() => {
        this.#reloading = undefined
      })
    return this.#reloading
  }

  /** Calls `listener` with the new active version whenever a reload changes it. */
  onActiveChange(listener: (active: number) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  close(): void {
    this.#listeners.clear()
    this.#unsubscribe()
  }
}
