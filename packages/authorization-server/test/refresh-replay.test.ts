// Refresh-token replay and the grace window (issue 11 defect 6, catalogue #52, #53; RFC 9700
// §4.14.2). The grace (off by default) covers only the race of two refreshes sent before either
// answer arrived: once a successor was used, a replay of its predecessor revokes the family.
// No sleeps: the grace is far longer than any test, so no test crosses it.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { sqliteBackend } from '../../../test/support/stores.ts'
import type { Store } from '@mandate/store'
import { authorize, PUBLIC_CLIENT, redeem, startServer, tokenRequest } from './support/harness.ts'
import type { Harness } from './support/harness.ts'
import type { AuthorizationServerOptions } from '../src/index.ts'

const refresh = (h: Harness, token: string) =>
  tokenRequest(h, { grant_type: 'refresh_token', refresh_token: token, client_id: PUBLIC_CLIENT })

void describe('refresh-token replay (defect 6)', () => {
  const backend = sqliteBackend()
  let store: Store
  let strict: Harness
  let byDefault: Harness
  let graceful: Harness

  before(async () => {
    store = await backend.open({ migrate: true })
    strict = await startServer(store, { refreshGraceSeconds: 0 })
    // No refreshGraceSeconds at all: the shipped default.
    byDefault = await startServer(store, {
      refreshGraceSeconds: undefined,
    } as unknown as Partial<AuthorizationServerOptions>)
    graceful = await startServer(store, { refreshGraceSeconds: 60 })
  })
  after(async () => {
    await graceful.close()
    await byDefault.close()
    await strict.close()
    await store.close()
    await backend.cleanup()
  })

  const family = async (h: Harness): Promise<string> =>
    (await redeem(h, await authorize(h))).refresh_token ?? ''

  void it('defect 6: by default (grace 0) a replay is invalid_grant and kills the successor too', async () => {
    for (const h of [strict, byDefault]) {
      const first = await family(h)
      const next = await refresh(h, first)
      assert.equal(next.status, 200)
      const replay = await refresh(h, first)
      assert.equal(replay.status, 400)
      assert.equal(replay.body['error'], 'invalid_grant')
      assert.equal(
        (await refresh(h, String(next.body['refresh_token']))).body['error'],
        'invalid_grant',
      )
      assert.ok(h.audit.some((e) => e.type === 'token.reuse_detected'))
    }
  })

  void it('positive control: with grace, a replay while the successor is unused is allowed once', async () => {
    const first = await family(graceful)
    const a = await refresh(graceful, first)
    const b = await refresh(graceful, first)
    assert.equal(a.status, 200)
    assert.equal(b.status, 200)
    // The client keeps one answer and goes on with it.
    assert.equal((await refresh(graceful, String(b.body['refresh_token']))).status, 200)
  })

  void it('defect 6: with grace, a replay after the successor was used revokes the family', async () => {
    const first = await family(graceful)
    const next = await refresh(graceful, first)
    const after = await refresh(graceful, String(next.body['refresh_token']))
    assert.equal(after.status, 200)
    const before = graceful.audit.filter((e) => e.type === 'token.reuse_detected').length
    const replay = await refresh(graceful, first)
    assert.equal(replay.status, 400)
    assert.equal(replay.body['error'], 'invalid_grant')
    // The family is gone: the newest token no longer works.
    assert.equal(
      (await refresh(graceful, String(after.body['refresh_token']))).body['error'],
      'invalid_grant',
    )
    assert.ok(graceful.audit.filter((e) => e.type === 'token.reuse_detected').length > before)
  })

  void it('defect 6: with grace, a replay of a middle token after its successor was used revokes the family', async () => {
    const t0 = await family(graceful)
    const t1 = String((await refresh(graceful, t0)).body['refresh_token'])
    const t2 = String((await refresh(graceful, t1)).body['refresh_token'])
    const t3 = await refresh(graceful, t2)
    assert.equal(t3.status, 200)
    assert.equal((await refresh(graceful, t1)).body['error'], 'invalid_grant')
    assert.equal(
      (await refresh(graceful, String(t3.body['refresh_token']))).body['error'],
      'invalid_grant',
    )
  })

  void it('defect 6: with grace, a third use of one token revokes the family even if no successor was used', async () => {
    const first = await family(graceful)
    const a = await refresh(graceful, first)
    assert.equal((await refresh(graceful, first)).status, 200)
    assert.equal((await refresh(graceful, first)).body['error'], 'invalid_grant')
    assert.equal(
      (await refresh(graceful, String(a.body['refresh_token']))).body['error'],
      'invalid_grant',
    )
  })

  void it('defect 6: another authorization of the same user and client is not collateral', async () => {
    // Two chains (two browsers) share one remembered grant; a used successor in one chain is
    // not a successor of the other's token.
    const chainA = await family(graceful)
    const chainB = await family(graceful)
    const a1 = await refresh(graceful, chainA)
    assert.equal(a1.status, 200)
    const b1 = await refresh(graceful, chainB)
    assert.equal((await refresh(graceful, String(b1.body['refresh_token']))).status, 200)
    // The race of chain A (its successor unused) is still honoured.
    assert.equal((await refresh(graceful, chainA)).status, 200)
  })
})
