import type { CredentialStore, ServerCredentials } from '../storage/credential-store.ts'

/**
 * One MCP server's entry in the host's credential store, read once and written through: every
 * change is made on a copy, saved, and only then becomes what later reads see.
 */
export class CredentialCache {
  readonly #store: CredentialStore
  readonly #serverKey: string
  #cached: ServerCredentials | undefined

  constructor(store: CredentialStore, serverKey: string) {
    this.#store = store
    this.#serverKey = serverKey
  }

  /** The server's credentials (empty when the store has none). */
  async load(): Promise<ServerCredentials> {
    this.#cached ??= (await this.#store.load(this.#serverKey)) ?? { clients: {}, tokens: {} }
    return this.#cached
  }

  /** Applies `change` to a copy, saves it, then caches it. */
  async update(change: (creds: ServerCredentials) => void): Promise<void> {
    const creds = structuredClone(await this.load())
    change(creds)
    await this.#store.save(this.#serverKey, creds)
    this.#cached = creds
  }
}
