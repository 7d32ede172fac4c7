// A signing key withdrawn at the authorization server comes with its replacement (issue 12,
// `mandate keys withdraw-signing-key`): on the key's revocation event the resource server fetches
// the JWKS again at once, so tokens of the new key work without waiting out the unknown-kid
// cooldown (which guards the JWKS against random kids), and the withdrawn key's tokens stop.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { REVOCATION_CHANNEL } from '@mandate/core'
import type { ProtectedMcpHandler } from '@mandate/server'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import { mcpRequest, protectNotes, RESOURCE } from './support/harness.ts'
import { startTestIssuer } from './support/test-issuer.ts'
import type { TestIssuer } from './support/test-issuer.ts'

void describe('JWKS fetched again when a signing key is withdrawn', () => {
  const backend = sqliteBackend()
  let store: Store
  let iss: TestIssuer
  let rs: ProtectedMcpHandler
  before(async () => {
    store = await backend.open({ migrate: true })
    iss = await startTestIssuer()
    // A cooldown no test outlasts: only the key event can make the new key known.
    rs = protectNotes(iss, {
      verifier: { jwt: { issuers: [{ issuer: iss.issuer }], cooldownMs: 3_600_000 } },
      store,
    })
  })
  after(async () => {
    await rs.close()
    await iss.close()
    await store.close()
    await backend.cleanup()
  })

  const status = async (token: string): Promise<number> => {
    const response = await rs.fetch(mcpRequest({ token }))
    await response.body?.cancel()
    return response.status
  }
  /** Waits (hang guard only) until the resource server answers `expected` for `token`. */
  const until = async (token: string, expected: number): Promise<number> => {
    const deadline = Date.now() + 60_000
    let seen = await status(token)
    while (seen !== expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      seen = await status(token)
    }
    return seen
  }

  void it('a new key is refused inside the cooldown, and accepted once the old key is withdrawn', async () => {
    const old = await iss.token(RESOURCE)
    assert.equal(await status(old), 200)
    await iss.publishNext()
    const renewed = await iss.token(RESOURCE, {}, {}, 'next')
    // Negative control: the key set was fetched moments ago, so the unknown kid is not fetched.
    assert.equal(await status(renewed), 401)
    const fetches = iss.jwksFetches
    await store.publish(REVOCATION_CHANNEL, { type: 'key', kid: 'es' })
    assert.equal(await until(renewed, 200), 200)
    assert.equal(iss.jwksFetches, fetches + 1, 'one fetch of the key set')
    // The withdrawn key's tokens stop, even one never seen before.
    assert.equal(await status(old), 401)
    assert.equal(await status(await iss.token(RESOURCE)), 401)
  })
})
