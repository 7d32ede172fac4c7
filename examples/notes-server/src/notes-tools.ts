import { defineTool, getIdentity } from '@mandate/server'
import type { ProtectedTool } from '@mandate/server'
import * as z from 'zod'
import type { NotesStore } from './notes-store.ts'

/** The notes server's OAuth scopes: reading and changing one's own notes. */
export const NOTES_SCOPES = { read: 'notes:read', write: 'notes:write' } as const

// Schemas are built once here, not per request (docs/performance.md).
const readInput = z.object({ id: z.string().max(100) })
const createInput = z.object({ title: z.string().min(1).max(200), body: z.string().max(10_000) })
const text = (value: string): { content: [{ type: 'text'; text: string }] } => ({
  content: [{ type: 'text', text: value }],
})

/** The notes tools, each with what it needs from the caller. */
export function notesTools(store: NotesStore): ProtectedTool[] {
  return [
    defineTool(
      'whoami',
      { title: 'Who am I', description: 'Shows the signed-in user and the client acting for them' },
      (ctx) => {
        const id = getIdentity(ctx)
        const who = {
          sub: id.sub,
          client_id: id.clientId,
          scopes: id.scopes,
          acr: id.acr,
          dpop: id.jkt !== undefined,
          // RFC 8693 §4.1: who acts for the user (a gateway, and the client before it).
          ...(id.act === undefined ? {} : { act: id.act }),
          principal: id.principal,
        }
        return text(JSON.stringify(who))
      },
    ),
    defineTool(
      'list_notes',
      {
        title: 'List notes',
        description: 'Lists your notes',
        requires: { scopes: [NOTES_SCOPES.read] },
      },
      (ctx) => {
        const notes = store.list(getIdentity(ctx).sub).map(({ id, title }) => ({ id, title }))
        return text(JSON.stringify(notes))
      },
    ),
    defineTool(
      'read_note',
      {
        title: 'Read a note',
        description: 'Reads one of your notes',
        inputSchema: readInput,
        requires: { scopes: [NOTES_SCOPES.read] },
      },
      ({ id }, ctx) => {
        const note = store.get(getIdentity(ctx).sub, id)
        return note === undefined
          ? { ...text('no such note'), isError: true }
          : text(JSON.stringify(note))
      },
    ),
    defineTool(
      'create_note',
      {
        title: 'Create a note',
        description: 'Adds a note',
        inputSchema: createInput,
        requires: { scopes: [NOTES_SCOPES.write] },
      },
      ({ title, body }, ctx) => text(JSON.stringify(store.add(getIdentity(ctx).sub, title, body))),
    ),
    defineTool(
      'delete_all_notes',
      {
        title: 'Delete all notes',
        description: 'Deletes every one of your notes (needs a person with a recent MFA sign-in)',
        annotations: { destructiveHint: true },
        requires: { scopes: [NOTES_SCOPES.write], acr: ['mfa'], maxAgeSeconds: 600, person: true },
      },
      (ctx) => text(`deleted ${String(store.deleteAll(getIdentity(ctx).sub))} notes`),
    ),
  ]
}
