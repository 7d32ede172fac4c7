import type { JsonValue } from '../store.ts'

type Handler = (message: JsonValue) => void

/** Channel → handlers, delivering asynchronously so publishers never run subscriber code. */
export class LocalPubSub {
  readonly #handlers = new Map<string, Set<Handler>>()

  subscribe(channel: string, handler: Handler): () => void {
    let set = this.#handlers.get(channel)
    if (set === undefined) {
      set = new Set()
      this.#handlers.set(channel, set)
    }
    set.add(handler)
    return () => {
      set.delete(handler)
      if (set.size === 0) this.#handlers.delete(channel)
    }
  }

  deliver(channel: string, message: JsonValue): void {
    const handlers = this.#handlers.get(channel)
    if (handlers === undefined) return
    for (const handler of [...handlers]) {
      queueMicrotask(() => {
        handler(structuredClone(message))
      })
    }
  }

  get channels(): string[] {
    return [...this.#handlers.keys()]
  }
}
