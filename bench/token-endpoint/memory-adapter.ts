// oidc-provider's MemoryAdapter without its 1000-entry LRU bound (which would evict the
// pre-issued codes mid-run): plain Maps, same semantics, nothing persisted.
import type { Adapter, AdapterPayload } from 'oidc-provider'

const storage = new Map<string, AdapterPayload | string[]>()

export class UnboundedMemoryAdapter implements Adapter {
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
  private key(id: string): string {
    return `${this.name}:${id}`
  }
  destroy(id: string): Promise<undefined> {
    storage.delete(this.key(id))
    return Promise.resolve(undefined)
  }
  consume(id: string): Promise<undefined> {
    const found = storage.get(this.key(id))
    if (found !== undefined && !Array.isArray(found)) found.consumed = Math.floor(Date.now() / 1000)
    return Promise.resolve(undefined)
  }
  find(id: string): Promise<AdapterPayload | undefined> {
    const found = storage.get(this.key(id))
    return Promise.resolve(Array.isArray(found) ? undefined : found)
  }
  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = storage.get(`sessionUid:${uid}`)
    return typeof id === 'string' ? this.find(id) : Promise.resolve(undefined)
  }
  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined)
  }
  upsert(id: string, payload: AdapterPayload): Promise<undefined> {
    storage.set(this.key(id), payload)
    if (payload.grantId !== undefined) {
      const key = `grant:${payload.grantId}`
      const list = storage.get(key)
      storage.set(key, [...(Array.isArray(list) ? list : []), this.key(id)])
    }
    return Promise.resolve(undefined)
  }
  revokeByGrantId(grantId: string): Promise<undefined> {
    const list = storage.get(`grant:${grantId}`)
    if (Array.isArray(list)) for (const key of list) storage.delete(key)
    storage.delete(`grant:${grantId}`)
    return Promise.resolve(undefined)
  }
}
