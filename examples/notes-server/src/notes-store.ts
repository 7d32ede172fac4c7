import { randomUUID } from 'node:crypto'

/** One note of one user. */
export interface Note {
  id: string
  title: string
  body: string
  createdAt: string
}

/**
 * Notes kept per user (`sub`), in memory: enough for a demo. A note is only ever looked up under
 * the caller's own `sub`, so one user can never read another's notes, whatever id they send.
 */
export class NotesStore {
  readonly #byUser = new Map<string, Map<string, Note>>()

  list(sub: string): Note[] {
    return [...(this.#byUser.get(sub)?.values() ?? [])]
  }

  get(sub: string, id: string): Note | undefined {
    return this.#byUser.get(sub)?.get(id)
  }

  add(sub: string, title: string, body: string): Note {
    const note = { id: randomUUID(), title, body, createdAt: new Date().toISOString() }
    let notes = this.#byUser.get(sub)
    if (notes === undefined) {
      notes = new Map()
      this.#byUser.set(sub, notes)
    }
    notes.set(note.id, note)
    return note
  }

  deleteAll(sub: string): number {
    const count = this.#byUser.get(sub)?.size ?? 0
    this.#byUser.delete(sub)
    return count
  }
}
