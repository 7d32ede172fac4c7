import { listVaultCredentialsToRewrap, listVaultProviderSecretsToRewrap } from '@mandate/store'
import type { VaultContext } from '../lib/context.ts'
import { rewrapRecords } from './rewrap-records.ts'
import { hasSealedValuesToRewrap } from './rewrap-sealed-values.ts'

/**
 * Runs the re-wrap job in the background whenever the active key version changes, and once at
 * start if records under older versions remain (an interrupted job resumes). Runs coalesce;
 * failures are logged and retried on the next change or start.
 */
export class BackgroundRewrap {
  readonly #ctx: VaultContext
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined
  #again = false

  constructor(ctx: VaultContext) {
    this.#ctx = ctx
  }

  /** At start: schedules a run if anything is left under an older key version. */
  async resumeIfNeeded(): Promise<void> {
    const active = this.#ctx.keys.activeVersion()
    const [credential] = await listVaultCredentialsToRewrap(this.#ctx.store, active, '', 1)
    const providers = await listVaultProviderSecretsToRewrap(this.#ctx.store, active)
    if (
      credential !== undefined ||
      providers.length > 0 ||
      (await hasSealedValuesToRewrap(this.#ctx, active))
    ) {
      this.schedule()
    }
  }

  schedule(): void {
    if (this.#abort.signal.aborted) return
    if (this.#running !== undefined) {
      this.#again = true
      return
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined
      if (this.#again) {
        this.#again = false
        this.schedule()
      }
    })
  }

  /** Stops after the current batch; resolves when the job has stopped. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  async #run(): Promise<void> {
    try {
      const report = await rewrapRecords(this.#ctx, { signal: this.#abort.signal })
      this.#ctx.logger.info('vault records re-wrapped', { ...report })
    } catch (error) {
      if (this.#abort.signal.aborted) return
      this.#ctx.logger.warn(
        'vault re-wrap did not finish; it resumes on the next start or rotation',
        { error },
      )
    }
  }
}
