import { ClientError } from '../errors.ts'

/** A wait for one elicitation's completion notification; `stop` ends it without an answer. */
export interface CompletionWait {
  done: Promise<void>
  stop(): void
}

/**
 * The URL elicitations this client opened and the `notifications/elicitation/complete` it has
 * seen. A notification counts only for an id this client opened and only once (catalogue #182),
 * so a server cannot complete a step the person never started.
 */
export class ElicitationCompletions {
  readonly #waiters = new Map<string, () => void>()
  readonly #completed = new Set<string>()
  readonly #opened = new Set<string>()

  /** Records that the person was sent to this elicitation's URL. */
  opened(elicitationId: string): void {
    this.#opened.add(elicitationId)
  }

  /** Handles a completion notification; ids never opened or already seen are ignored. */
  notify(elicitationId: string): void {
    if (!this.#opened.has(elicitationId) || this.#completed.has(elicitationId)) return
    this.#completed.add(elicitationId)
    this.#waiters.get(elicitationId)?.()
    this.#waiters.delete(elicitationId)
  }

  /** Waits for the notification for `elicitationId`, failing after `timeoutMs`. */
  waitFor(elicitationId: string, timeoutMs: number): CompletionWait {
    if (this.#completed.has(elicitationId)) {
      return { done: Promise.resolve(), stop: () => undefined }
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const done = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        this.#waiters.delete(elicitationId)
        reject(
          new ClientError(
            'ERR_CLIENT_ELICITATION_TIMEOUT',
            'the browser step was not completed in time',
          ),
        )
      }, timeoutMs)
      this.#waiters.set(elicitationId, () => {
        clearTimeout(timer)
        resolve()
      })
    })
    // Awaited only after consent and the browser: a timeout meanwhile must not go unhandled.
    done.catch(() => undefined)
    return {
      done,
      stop: () => {
        clearTimeout(timer)
        this.#waiters.delete(elicitationId)
      },
    }
  }
}
