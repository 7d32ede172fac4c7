// docs/audit.md's event catalogue is the typed one (issue 14): every type of the catalogue is
// documented with its default outcome, nothing undocumented is listed, and every vault event
// type is in the catalogue (checked by the compiler below).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { AUDIT_EVENT_CATALOGUE } from '@mandate/core'
import type { KnownAuditEventType } from '@mandate/core'
import type { VaultAuditEventType } from '@mandate/vault'

// Compile-time: a vault event type missing from the catalogue makes this line an error.
const vaultTypesCatalogued: [Exclude<VaultAuditEventType, KnownAuditEventType>] extends [never]
  ? true
  : false = true

const docs = readFileSync(new URL('../../../docs/audit.md', import.meta.url), 'utf8')

void describe('docs/audit.md', () => {
  void it('documents exactly the catalogued event types, with their default outcome', () => {
    assert.equal(vaultTypesCatalogued, true)
    const section = docs.slice(docs.indexOf('## Event catalogue'), docs.indexOf('## Chain'))
    const rows = [...section.matchAll(/^\| `([\w.]+)` \| `(\w+)` \|/gm)].map((m) => [m[1], m[2]])
    const expected = Object.entries(AUDIT_EVENT_CATALOGUE).map(([type, e]) => [type, e.outcome])
    assert.deepEqual(rows.sort(), expected.sort())
  })
})
