import { generateKeyPairSync } from 'node:crypto'
import type { JsonWebKey } from 'node:crypto'

// The Demo Calendar is a stand-in third party that lives as long as the process: its state is
// in memory on purpose. It is given its own adapter and signing key so that oidc-provider does
// not print its "development-only" warnings, which read as if Mandate itself kept data in
// memory (Mandate's own state is in the store).

interface Stored {
  payload: Record<string, unknown>
  expiresAt: number
}

/** An oidc-provider adapter over a Map, one instance per model name. */
export function demoMemoryAdapter(): new (name: string) => object {
  const records = new Map<string, Stored>()
  const live = (key: string): Record<string, unknown> | undefined => {
    const stored = records.get(key)
    if (stored === undefined) return undefined
    if (stored.expiresAt <= Date.now()) {
      records.delete(key)
      return undefined
    }
    return stored.payload
  }
  return class DemoMemoryAdapter {
    readonly #name: string
    constructor(name: string) {
      this.#name = name
    }
    #key(id: string): string {
      return `${this.#name}:${id}`
    }
    upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
      records.set(this.#key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 })
      if (typeof payload['grantId'] === 'string') {
        const grant = `grant:${payload['grantId']}`
        const members = (live(grant)?.['members'] as string[] | undefined) ?? []
        records.set(grant, {
          payload: { members: [...members, this.#key(id)] },
          expiresAt: Date.now() + 86_400_000 * 30,
        })
      }
      return Promise.resolve()
    }
    find(id: string): Promise<Record<string, unknown> | undefined> {
      return Promise.resolve(live(this.#key(id)))
    }
    findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      for (const [key] of records) {
        const payload = key.startsWith(`${this.#name}:`) ? live(key) : undefined
        if (payload?.['uid'] === uid) return Promise.resolve(payload)
      }
      return Promise.resolve(undefined)
    }
    findByUserCode(): Promise<undefined> {
      return Promise.resolve(undefined)
    }
    consume(id: string): Promise<void> {
      const payload = live(this.#key(id))
      if (payload !== undefined) payload['consumed'] = Math.floor(Date.now() / 1000)
      return Promise.resolve()
    }
    destroy(id: string): Promise<void> {
      records.delete(this.#key(id))
      return Promise.resolve()
    }
    revokeByGrantId(grantId: string): Promise<void> {
      const grant = `grant:${grantId}`
      for (const key of (live(grant)?.['members'] as string[] | undefined) ?? []) {
        records.delete(key)
      }
      records.delete(grant)
      return Promise.resolve()
    }
  }
}

/** A fresh RS256 signing key set for the Demo Calendar's ID tokens. */
export function demoSigningKeys(): { keys: JsonWebKey[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' }] }
}
