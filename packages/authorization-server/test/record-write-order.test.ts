// Every writer of `as_oidc_records` in the process goes through the adapter's group commit on
// SQLite (src/adapter/group-commit.ts `recordWrites`), so that revoking a user's or a client's
// grants, an operator's grant revoke and ending browser sessions run after the adapter's writes
// queued before them: a grant (or session) saved in the same event-loop turn as its revocation
// must not come back once the batch commits.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Adapter, AdapterPayload } from 'oidc-provider'
import { findOidcRecord, grantIdsOf } from '@mandate/store'
import type { Store } from '@mandate/store'
import { sqliteBackend } from '../../../test/support/stores.ts'
import {
  removeClient,
  revokeGrantAsOperator,
  revokeUserAccess,
  storeAdapterClass,
} from '../src/index.ts'
import { endSessions } from '../src/sessions/browser-sessions.ts'
import { sha256Hex } from '../src/lib/hash.ts'

const by = { actor: 'cli' as const, emit: (): void => undefined }

void describe('record writes keep their order with the adapter group commit (SQLite)', () => {
  const backend = sqliteBackend()
  let store: Store
  let adapters: (name: string) => Adapter
  let next = 0
  const fresh = (what: string): string => `${what}-${String((next += 1))}`

  const grantOf = (accountId: string, clientId: string): AdapterPayload => ({
    kind: 'Grant',
    accountId,
    clientId,
    openid: { scope: 'openid' },
  })
  const saveGrant = (grantId: string, accountId: string, clientId = 'client-1'): Promise<void> =>
    adapters('Grant').upsert(grantId, grantOf(accountId, clientId), 3600)
  const grantStored = async (grantId: string): Promise<boolean> =>
    (await findOidcRecord(store, 'Grant', sha256Hex(grantId))) !== undefined

  before(async () => {
    store = await backend.open({ migrate: true })
    const Adapters = storeAdapterClass(store)
    adapters = (name) => new Adapters(name)
  })
  after(async () => {
    await store.close()
    await backend.cleanup()
  })

  void it('positive control: the revoked user’s grant is gone, another user’s saved in the same turn stays', async () => {
    const [mine, theirs] = [fresh('grant'), fresh('grant')]
    const [me, them] = [fresh('user'), fresh('user')]
    await saveGrant(mine, me)
    await Promise.all([
      saveGrant(theirs, them),
      revokeUserAccess(store, { id: me }, 'user_disabled'),
    ])
    assert.equal(await grantStored(mine), false)
    assert.equal(await grantStored(theirs), true)
  })

  void it('a user disabled in the same turn as a re-save of their grant: the grant stays deleted', async () => {
    const user = fresh('user')
    const [old, created] = [fresh('grant'), fresh('grant')]
    await saveGrant(old, user)
    const refresh = fresh('refresh')
    await Promise.all([
      saveGrant(old, user),
      // A grant first saved in this turn is found too: the lookup runs inside the same write.
      saveGrant(created, user),
      adapters('RefreshToken').upsert(refresh, { kind: 'RefreshToken', grantId: old }, 3600),
      revokeUserAccess(store, { id: user }, 'user_disabled'),
    ])
    assert.equal(await grantStored(old), false)
    assert.equal(await grantStored(created), false)
    assert.equal(await findOidcRecord(store, 'RefreshToken', sha256Hex(refresh)), undefined)
    assert.deepEqual(await grantIdsOf(store, { accountId: user }), [])
  })

  void it('an operator grant revoke in the same turn as a re-save of the grant: it stays deleted', async () => {
    const [grant, user] = [fresh('grant'), fresh('user')]
    await saveGrant(grant, user)
    const [, revoked] = await Promise.all([
      saveGrant(grant, user),
      revokeGrantAsOperator(store, grant, by),
    ])
    assert.equal(revoked, true)
    assert.equal(await grantStored(grant), false)
  })

  void it('a client removed in the same turn as a re-save of its grant: the grant stays deleted', async () => {
    const [clientId, grant, user] = [fresh('client'), fresh('grant'), fresh('user')]
    await adapters('Client').upsert(clientId, { client_id: clientId }, 0)
    await saveGrant(grant, user, clientId)
    const [, removed] = await Promise.all([
      saveGrant(grant, user, clientId),
      removeClient(store, clientId, 'delete', by),
    ])
    assert.equal(removed, true)
    assert.equal(await grantStored(grant), false)
    assert.equal(await findOidcRecord(store, 'Client', sha256Hex(clientId)), undefined)
  })

  void it('“sign out other browsers” in the same turn as a re-save of a session: it stays ended', async () => {
    const user = fresh('user')
    const [other, current] = [fresh('session'), fresh('session')]
    const session = (uid: string): AdapterPayload => ({ kind: 'Session', accountId: user, uid })
    await adapters('Session').upsert(other, session(`${other}-uid`), 3600)
    await adapters('Session').upsert(current, session(`${current}-uid`), 3600)
    const [, ended] = await Promise.all([
      adapters('Session').upsert(other, session(`${other}-uid`), 3600),
      endSessions(store, user, `${current}-uid`),
    ])
    assert.equal(ended, 1)
    assert.equal(await findOidcRecord(store, 'Session', sha256Hex(other)), undefined)
    // Positive control: the current browser stays signed in.
    assert.notEqual(await findOidcRecord(store, 'Session', sha256Hex(current)), undefined)
  })
})
