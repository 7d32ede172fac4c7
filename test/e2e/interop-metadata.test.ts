// Interop fixes found by independent clients (issue 17): the AS and the resource agree on DPoP
// algorithms; the AS's `scopes_supported` lists the configured resources' scopes; SSE answers
// start with a `retry` field.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNotesServer } from '@mandate/example-notes-server'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../support/stores.ts'
import { startServer } from '../../packages/authorization-server/test/support/harness.ts'
import type { Harness } from '../../packages/authorization-server/test/support/harness.ts'
import { mcpRequest } from '../../packages/server/test/support/harness.ts'

const NOTES = 'http://127.0.0.1:4100/mcp'

void describe('metadata and SSE interop', () => {
  const backend = sqliteBackend()
  let store: Store
  let h: Harness
  let metadata: Record<string, unknown>

  before(async () => {
    store = await backend.open({ migrate: true })
    h = await startServer(store)
    metadata = (await (
      await fetch(`${h.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>
  })
  after(async () => {
    await h.close()
    await store.close()
    await backend.cleanup()
  })

  void it('the resource and the AS advertise the same DPoP algorithms (Ed25519 included)', async () => {
    const notes = createNotesServer({
      resource: NOTES,
      authorizationServers: [h.issuer],
      verifier: { jwt: { issuers: [{ issuer: h.issuer }] } },
    })
    const prm = (await (
      await notes.fetch(
        new Request('http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp'),
      )
    ).json()) as Record<string, unknown>
    const rs = new Set(prm['dpop_signing_alg_values_supported'] as string[])
    const as = new Set(metadata['dpop_signing_alg_values_supported'] as string[])
    assert.ok(rs.has('Ed25519'))
    assert.deepEqual([...rs].sort(), [...as].sort())
  })

  void it('scopes_supported lists the OpenID scopes and every configured resource scope', () => {
    const scopes = metadata['scopes_supported'] as string[]
    for (const scope of ['openid', 'offline_access', 'tools:read', 'tools:write']) {
      assert.ok(scopes.includes(scope), scope)
    }
    assert.equal(new Set(scopes).size, scopes.length, 'no duplicates')
  })

  void it('an SSE answer starts with a retry field; a JSON answer is untouched', async () => {
    const notes = createNotesServer({ resource: NOTES, unauthenticatedTestMode: true })
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 't', version: '0' },
      },
    }
    const sse = await notes.fetch(mcpRequest({ body: init }))
    assert.equal(sse.status, 200)
    if (sse.headers.get('content-type')?.startsWith('text/event-stream') === true) {
      const text = await sse.text()
      // A 2025-11-25 POST stream opens with `retry` and a priming event (an `id`, empty data).
      assert.match(text, /^retry: \d+\nid: [\w-]+:0\ndata: \n\n/)
      assert.match(text, /\ndata: \{/)
    } else {
      assert.fail(`expected an SSE answer, got ${String(sse.headers.get('content-type'))}`)
    }
    const json = await notes.fetch(
      mcpRequest({ body: init, headers: { accept: 'application/json' } }),
    )
    if (json.headers.get('content-type')?.startsWith('application/json') === true) {
      assert.doesNotMatch(await json.text(), /retry:/)
    }
  })
})
